/** The service's name: its NATS queue group, Postgres schema, log and caller name. */
export const SERVICE = 'identity';
