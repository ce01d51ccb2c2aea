import { refusalOf as refusal } from './refusal';
import { ScimAttributeMap, scimFilterSql, scimSortSql, SqlParameters } from '../scim-filter';

const MAP: ScimAttributeMap = {
  username: { sql: 'u.username', type: 'string' },
  id: { sql: 'u.id', type: 'string', caseExact: true },
  active: { sql: 'u.active', type: 'boolean' },
  'meta.created': { sql: 'u.created_at', type: 'dateTime' },
  emails: { elements: 'emails e', sub: { value: { sql: 'e.value', type: 'string' }, type: { sql: 'e.type', type: 'string' } } },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department': { sql: 'u.department', type: 'string' },
};

const sql = (filter: string) => {
  const params = new SqlParameters();
  return { where: scimFilterSql(filter, MAP, params), values: params.values };
};

describe('SCIM filters as SQL', () => {
  it('compares strings case-insensitively unless caseExact, with every value a parameter', () => {
    expect(sql('userName eq "Ada"')).toEqual({ where: '(lower(u.username) = $1)', values: ['ada'] });
    expect(sql('id eq "AbC"')).toEqual({ where: '(u.id = $1)', values: ['AbC'] });
    expect(sql('userName co "a%_"')).toEqual({ where: '(lower(u.username) LIKE $1)', values: ['%a\\%\\_%'] });
    expect(sql('userName sw "x"').values).toEqual(['x%']);
    expect(sql('userName ew "x"').values).toEqual(['%x']);
    expect(sql('userName ne "x"').where).toBe('(u.username IS NULL OR lower(u.username) <> $1)');
    expect(sql('userName gt "m"').where).toBe('(lower(u.username) > $1 COLLATE "C")');
    expect(sql('userName pr').where).toBe("(u.username IS NOT NULL AND u.username <> '')");
  });

  it('groups with and, or, not and parentheses, and reaches multi-valued attributes through EXISTS', () => {
    expect(sql('not (active eq true) or (userName eq "a" and id eq "b")').where).toBe(
      '((NOT coalesce((u.active = $1::boolean), false)) OR ((lower(u.username) = $2) AND (u.id = $3)))',
    );
    expect(sql('emails[type eq "work" and value ew "@x"]').where).toBe('EXISTS (SELECT 1 FROM emails e WHERE ((lower(e.type) = $1) AND (lower(e.value) LIKE $2)))');
    expect(sql('emails.value eq "a@x"').where).toBe('EXISTS (SELECT 1 FROM emails e WHERE (lower(e.value) = $1))');
    expect(sql('emails eq "a@x"').where).toBe('EXISTS (SELECT 1 FROM emails e WHERE (lower(e.value) = $1))');
    expect(sql('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R"').where).toBe('(lower(u.department) = $1)');
    expect(sql('meta.created ge "2026-01-01T00:00:00Z"')).toEqual({ where: '(u.created_at >= $1::timestamptz)', values: ['2026-01-01T00:00:00.000Z'] });
  });

  it.each([
    ['userName zz "a"'], ['userName eq'], ['shoeSize eq 1'], ['active co "t"'], ['active eq "yes"'], ['meta.created gt "soon"'],
    ['userName[value eq "a"]'], ['(userName eq "a"'], [`${'('.repeat(50)}userName pr${')'.repeat(50)}`], ['userName gt null'],
  ])('refuses %s with 400 invalidFilter', (filter) => {
    expect(refusal(() => sql(filter))).toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });

  it('sorts by a single-valued attribute or a multi-valued one by its smallest value, and refuses others', () => {
    expect(scimSortSql('userName', 'descending', MAP)).toBe('lower(u.username) DESC NULLS LAST');
    expect(scimSortSql('emails', 'ascending', MAP)).toBe('(SELECT min(lower(e.value)) FROM emails e) ASC NULLS LAST');
    expect(refusal(() => scimSortSql('nope', 'ascending', MAP))).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});
