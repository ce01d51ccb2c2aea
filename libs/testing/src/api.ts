import request from 'supertest';

export const SUPER_ADMIN = { username: 'root@gatehouse.test', password: 'Correct-Horse-42' } as const;

/** supertest bound to the running gateway (its URL is published by the e2e global setup). */
export function api(): ReturnType<typeof request> {
  const url = process.env.GATEHOUSE_URL;
  if (!url) throw new Error('GATEHOUSE_URL is not set: e2e specs run under the e2e global setup');
  return request(url);
}

export async function login(username: string, password: string): Promise<string> {
  const response = await api().post('/api/v1/login').send({ username, password });
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accessToken as string;
}

export const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`];

/** The fields a validation Problem names, in order. */
export const errorFields = (response: { body: { errors?: Array<{ field: string }> } }): string[] =>
  (response.body.errors ?? []).map((e) => e.field);

let counter = 0;
/** A name no other test in this run uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
