:param metabolite => 'CHEBI:16335';
// Drugs that hit the producers of an immunosuppressive metabolite, with action, phase and evidence.
//
// A metabolite counts as immunosuppressive when it DECREASES an antitumour immune effect or
// INCREASES a protumour one. Its producers are genes that PRODUCE it or export it (TRANSPORTS,
// direction 'export'); rows list every drug that TARGETS such a gene. action_sign is the drug's effect
// on its target (-1 inhibits, +1 activates, 0 other). Set $metabolite to null for every
// immunosuppressive metabolite in the graph.
// Parameters: $metabolite - a Metabolite id (e.g. CHEBI:16335 adenosine) or null.
MATCH (m:Metabolite)
WHERE ($metabolite IS NULL OR m.id = $metabolite)
  AND (EXISTS { (m)-[:DECREASES]->(:ImmuneEffect {polarity: 'antitumour'}) }
       OR EXISTS { (m)-[:INCREASES]->(:ImmuneEffect {polarity: 'protumour'}) })
MATCH (d:Drug)-[t:TARGETS]->(g:Gene)-[x:PRODUCES|TRANSPORTS]->(m)
WHERE type(x) = 'PRODUCES' OR x.direction = 'export'
RETURN m.id AS metabolite, m.name AS metabolite_name, g.id AS producer, g.name AS producer_name,
       toLower(type(x)) AS producer_route, d.id AS drug, d.name AS drug_name, d.modality AS modality,
       d.max_phase AS max_phase, t.action AS action, t.sign AS action_sign,
       reduce(u = [], ev IN coalesce(t.evidence, []) + coalesce(x.evidence, []) | CASE WHEN ev IN u THEN u ELSE u + ev END) AS evidence
ORDER BY metabolite_name, metabolite, max_phase DESC, drug_name, drug, producer_name, producer,
         producer_route, action, action_sign, evidence
