/**
 * The searchable text of a subject in the read model (`alias` its table or alias): a user's username, email
 * and display name. Written the same in the trigram index and in the queries, so `ILIKE '%q%'` reads the index.
 */
export function subjectSearchSql(alias: string): string {
  return `coalesce(${alias}.username, '') || ' ' || coalesce(${alias}.email, '') || ' ' || coalesce(${alias}.display_name, '')`;
}
