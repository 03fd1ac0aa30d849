:param target => 'HGNC.SYMBOL:NT5E';
:param immunotherapy_class => 'anti-PD-1';
:param max_hops => 3;
// Explanation subgraph of a (metabolic target, immunotherapy class) combination: the immune effects both reach.
//
// Target side: paths from the target gene to an immune effect, up to $max_hops mechanistic steps
// (as in target_to_immune_effect.cypher). Therapy side: drugs whose immunotherapy_class is
// $immunotherapy_class and reach the same effect directly (INCREASES / DECREASES) or through the gene
// they TARGET. One row per (effect, target path, therapy path). target_inhibition_sign is what
// inhibiting the target does to the effect (minus the path sign); therapy_sign is what the drug does
// (action sign times the gene's sign on the effect). Same signs on an antitumour effect = the two
// arms push it the same way. evidence = publications of every relationship in the row.
// Parameters: $target - Gene id; $immunotherapy_class - e.g. 'anti-PD-1', 'anti-PD-L1',
// 'anti-CTLA-4', 'CD40-agonist'; $max_hops - integer 1..4 (the literal upper bound is 4).
MATCH p = (g:Gene {id: $target})-[:PRODUCES|DEGRADES|TRANSPORTS|ACTIVATES|INHIBITS|BINDS|INCREASES|DECREASES*1..4]->(e:ImmuneEffect)
WHERE length(p) <= $max_hops
  AND all(n IN nodes(p) WHERE single(other IN nodes(p) WHERE other = n))
MATCH q = (d:Drug {immunotherapy_class: $immunotherapy_class})-[:TARGETS|INCREASES|DECREASES*1..2]->(e)
WITH e, p, q,
     reduce(s = 1, x IN relationships(p) | s * coalesce(x.sign, 0)) AS target_sign,
     reduce(s = 1, x IN relationships(q) | s * coalesce(x.sign, 0)) AS therapy_sign
RETURN e.id AS effect, e.name AS effect_name, e.polarity AS polarity,
       [n IN nodes(p) | n.id] AS target_path, [n IN nodes(p) | n.name] AS target_path_names,
       -target_sign AS target_inhibition_sign,
       [n IN nodes(q) | n.id] AS therapy_path, [n IN nodes(q) | n.name] AS therapy_path_names,
       therapy_sign,
       reduce(u = [], ev IN reduce(acc = [], x IN relationships(p) + relationships(q) | acc + coalesce(x.evidence, [])) |
         CASE WHEN ev IN u THEN u ELSE u + ev END) AS evidence
ORDER BY effect_name, effect, size(target_path), target_path, therapy_path_names, therapy_path,
         target_inhibition_sign, therapy_sign, evidence
