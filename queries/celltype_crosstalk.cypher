:param sender => 'TMEKG:celltype.CAF';
:param receiver => 'CL:0000625';
// Crosstalk between two cell types: metabolites the sender makes that the receiver takes up or senses.
//
// One row per (metabolite, sender route, receiver route). The sender makes a metabolite when it
// SECRETES it or expresses (EXPRESSED_IN) a gene that PRODUCES it or TRANSPORTS it with direction
// 'export'; the receiver uses it when it TAKES_UP it or expresses a gene that imports it, or that the
// metabolite ACTIVATES, INHIBITS or BINDS. Bidirectional transporters are left out (no direction).
// Stored CROSSTALK relationships (tmekg's inferred crosstalk, if the store has them) come last, with
// route 'CROSSTALK <mode>'. evidence = the publications of every relationship on both routes.
// Parameters: $sender, $receiver - CellType ids (CL:... or TMEKG:celltype.... CURIEs).
MATCH (s:CellType {id: $sender}), (r:CellType {id: $receiver})
CALL (s, r) {
  CALL (s) {
    MATCH (s)-[x:SECRETES]->(m:Metabolite)
    RETURN m, 'secretes' AS sender_route, coalesce(x.evidence, []) AS sender_evidence
    UNION
    MATCH (s)<-[e:EXPRESSED_IN]-(g:Gene)-[x:PRODUCES|TRANSPORTS]->(m:Metabolite)
    WHERE type(x) = 'PRODUCES' OR x.direction = 'export'
    RETURN m,
           g.name + CASE type(x) WHEN 'PRODUCES' THEN ' produces' ELSE ' exports' END AS sender_route,
           coalesce(e.evidence, []) + coalesce(x.evidence, []) AS sender_evidence
  }
  CALL (r, m) {
    MATCH (r)-[x:TAKES_UP]->(m)
    RETURN 'takes up' AS receiver_route, coalesce(x.evidence, []) AS receiver_evidence
    UNION
    MATCH (r)<-[e:EXPRESSED_IN]-(g:Gene)-[x:TRANSPORTS]->(m)
    WHERE x.direction = 'import'
    RETURN g.name + ' imports' AS receiver_route,
           coalesce(e.evidence, []) + coalesce(x.evidence, []) AS receiver_evidence
    UNION
    MATCH (m)-[x:ACTIVATES|INHIBITS|BINDS]->(g:Gene)-[e:EXPRESSED_IN]->(r)
    RETURN toLower(type(x)) + ' ' + g.name AS receiver_route,
           coalesce(x.evidence, []) + coalesce(e.evidence, []) AS receiver_evidence
  }
  RETURN m.id AS metabolite, m.name AS metabolite_name, sender_route, receiver_route,
         reduce(u = [], ev IN sender_evidence + receiver_evidence | CASE WHEN ev IN u THEN u ELSE u + ev END) AS evidence,
         0 AS stored
  UNION
  MATCH (s)-[c:CROSSTALK]->(r)
  RETURN c.metabolite AS metabolite, c.metabolite AS metabolite_name,
         'CROSSTALK ' + coalesce(c.mode, '') AS sender_route, 'CROSSTALK ' + coalesce(c.mode, '') AS receiver_route,
         coalesce(c.evidence, []) AS evidence, 1 AS stored
}
RETURN metabolite, metabolite_name, sender_route, receiver_route, evidence
ORDER BY stored, metabolite_name, metabolite, sender_route, receiver_route, evidence
