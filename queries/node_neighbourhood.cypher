:param id => 'HGNC.SYMBOL:NT5E';
// Neighbourhood of a node: every relationship touching it, with the node at the other end and full provenance.
//
// direction is 'out' when the node is the subject. Provenance lists are parallel (one entry per
// source record): sources, versions, records (file:line in the source), statuses. evidence and
// contexts are the unions over those records. key identifies the relationship (subject|predicate|
// object plus identity properties such as a transporter's direction).
// Parameters: $id - any tmekg node id (CURIE), e.g. HGNC.SYMBOL:NT5E, CHEBI:16335, CL:0000625.
MATCH (n:TmekgNode {id: $id})-[r]-(m:TmekgNode)
RETURN type(r) AS relationship, CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction,
       m.id AS other, m.name AS other_name, m.category AS other_category, r.sign AS sign,
       r.evidence AS evidence, r.sources AS sources, r.versions AS versions, r.records AS records,
       r.statuses AS statuses, r.contexts AS contexts, r.key AS key
ORDER BY relationship, direction, other, key
