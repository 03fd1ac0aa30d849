:param term => 'P21589';
:param limit => 25;
// Find nodes by id, cross-reference, bare accession (P21589, 16335), name or synonym; exact, any case.
//
// match says what matched, best first: 'id' (the tmekg id), 'xref' (a full CURIE such as
// UNIPROT:P21589), 'accession' (the local part of the id or of an xref: P21589 finds NT5E, which
// the full-text index tmekg_search cannot, since it keeps UNIPROT:P21589 as one token), 'name',
// 'synonym'. Ties are ordered by category and id, so the first $limit rows are the same every time.
// Parameters: $term - text to look up; $limit - maximum rows.
MATCH (n:TmekgNode)
WITH n, toUpper($term) AS t
WITH n, CASE
    WHEN toUpper(n.id) = t THEN 0
    WHEN any(x IN coalesce(n.xrefs, []) WHERE toUpper(x) = t) THEN 1
    WHEN any(a IN coalesce(n.accessions, []) WHERE toUpper(a) = t) THEN 2
    WHEN toUpper(n.name) = t THEN 3
    WHEN any(y IN coalesce(n.synonyms, []) WHERE toUpper(y) = t) THEN 4
  END AS rank
WHERE rank IS NOT NULL
RETURN n.id AS id, n.name AS name, n.category AS category,
       ['id', 'xref', 'accession', 'name', 'synonym'][rank] AS match, n.xrefs AS xrefs
ORDER BY rank, category, id
LIMIT $limit
