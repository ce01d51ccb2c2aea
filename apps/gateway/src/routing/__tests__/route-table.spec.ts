import { RESERVED_TENANT_IDS } from '@gatehouse/contracts';
import { FORWARD_AUTH_ENDPOINTS } from '../../request/forward-auth-endpoints';
import { isUpstream } from '../../request/route-definition';
import { ROUTES } from '../route-table';

describe('built-in route table', () => {
  it('reserves, as tenant ids, every first segment of an instance-level path (so /api/v1/{tenant}/... is never shadowed)', () => {
    const segments = new Set(
      [...ROUTES.map((r) => r.path), ...Object.values(FORWARD_AUTH_ENDPOINTS)].map((path) => /^\/api\/v1\/([^/:]+)/.exec(path)?.[1]).filter((s): s is string => s !== undefined),
    );
    expect(segments).toContain('authz');
    const unreserved = [...segments].filter((s) => !(RESERVED_TENANT_IDS as readonly string[]).includes(s));
    expect(unreserved).toEqual([]);
  });

  it('declares each method and path once, and only built-in (NATS) targets', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(ROUTES.filter((r) => isUpstream(r.target))).toEqual([]);
  });

  it('requires a permission on every route that is neither public nor for any signed-in subject', () => {
    for (const route of ROUTES) {
      if (typeof route.access === 'object') expect(route.access.permission).toEqual(expect.any(String));
      else expect(['public', 'authenticated']).toContain(route.access);
    }
  });
});
