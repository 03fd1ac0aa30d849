:param metabolite => 'CHEBI:16335';
// Which cell types produce or sense a metabolite, and through which relationship or gene.
//
// One row per (cell type, role, route). role 'produces': the cell type SECRETES the metabolite, or
// expresses a gene that PRODUCES it or exports it (TRANSPORTS, direction 'export'). role 'senses':
// the cell type TAKES_UP the metabolite, or expresses a gene that imports it or that the metabolite
// ACTIVATES, INHIBITS or BINDS (receptors and sensors). evidence = publications of the relationships
// on the route (the mechanism and, for gene routes, the expression).
// Parameters: $metabolite - a Metabolite id (e.g. CHEBI:16335 adenosine, CHEBI:422 lactate).
MATCH (m:Metabolite {id: $metabolite})
CALL (m) {
  MATCH (c:CellType)-[x:SECRETES]->(m)
  RETURN c, 'produces' AS role, 'secretes' AS route, coalesce(x.evidence, []) AS evidence
  UNION
  MATCH (c:CellType)<-[e:EXPRESSED_IN]-(g:Gene)-[x:PRODUCES|TRANSPORTS]->(m)
  WHERE type(x) = 'PRODUCES' OR x.direction = 'export'
  RETURN c, 'produces' AS role,
         g.name + CASE type(x) WHEN 'PRODUCES' THEN ' produces' ELSE ' exports' END AS route,
         coalesce(x.evidence, []) + coalesce(e.evidence, []) AS evidence
  UNION
  MATCH (c:CellType)-[x:TAKES_UP]->(m)
  RETURN c, 'senses' AS role, 'takes up' AS route, coalesce(x.evidence, []) AS evidence
  UNION
  MATCH (c:CellType)<-[e:EXPRESSED_IN]-(g:Gene)-[x:TRANSPORTS]->(m)
  WHERE x.direction = 'import'
  RETURN c, 'senses' AS role, g.name + ' imports' AS route,
         coalesce(x.evidence, []) + coalesce(e.evidence, []) AS evidence
  UNION
  MATCH (m)-[x:ACTIVATES|INHIBITS|BINDS]->(g:Gene)-[e:EXPRESSED_IN]->(c:CellType)
  RETURN c, 'senses' AS role, toLower(type(x)) + ' ' + g.name AS route,
         coalesce(x.evidence, []) + coalesce(e.evidence, []) AS evidence
}
RETURN c.id AS cell_type, c.name AS cell_type_name, role, route,
       reduce(u = [], ev IN evidence | CASE WHEN ev IN u THEN u ELSE u + ev END) AS evidence
ORDER BY role, cell_type_name, cell_type, route, evidence
