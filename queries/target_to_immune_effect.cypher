:param gene => 'HGNC.SYMBOL:NT5E';
:param max_hops => 3;
// Paths from a metabolic target (gene) to immune effects, up to $max_hops mechanistic steps, with evidence.
//
// Steps follow PRODUCES, DEGRADES, TRANSPORTS, ACTIVATES, INHIBITS, BINDS, INCREASES and DECREASES in
// their stored direction; paths visit each node once. sign = product of the relationships' signs
// (+1 the gene promotes the effect, -1 it suppresses it, 0 unsigned somewhere on the path); inhibiting
// the target flips it. steps shows each hop with its publications; evidence is their union.
// The upper bound 4 is literal (Cypher takes no parameter there): $max_hops can be 1 to 4.
// Parameters: $gene - a Gene id (HGNC.SYMBOL:...); $max_hops - integer 1..4.
MATCH p = (g:Gene {id: $gene})-[:PRODUCES|DEGRADES|TRANSPORTS|ACTIVATES|INHIBITS|BINDS|INCREASES|DECREASES*1..4]->(e:ImmuneEffect)
WHERE length(p) <= $max_hops
  AND all(n IN nodes(p) WHERE single(other IN nodes(p) WHERE other = n))
RETURN e.id AS effect, e.name AS effect_name, e.polarity AS polarity, length(p) AS hops,
       reduce(s = 1, x IN relationships(p) | s * coalesce(x.sign, 0)) AS sign,
       [n IN nodes(p) | n.id] AS path,
       [x IN relationships(p) |
         startNode(x).name + ' -' + type(x) + '-> ' + endNode(x).name + ' [' +
         reduce(t = '', ev IN coalesce(x.evidence, []) | t + CASE t WHEN '' THEN '' ELSE ', ' END + ev) + ']'
       ] AS steps,
       reduce(u = [], ev IN reduce(acc = [], x IN relationships(p) | acc + coalesce(x.evidence, [])) |
         CASE WHEN ev IN u THEN u ELSE u + ev END) AS evidence
ORDER BY hops, effect_name, effect, steps, path, sign
