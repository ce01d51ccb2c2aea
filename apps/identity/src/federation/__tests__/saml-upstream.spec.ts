import { DestinationPolicy } from '@gatehouse/service-runtime';
import { generateSigningKey, idpMetadata, MintRequest, mintSamlResponse, SamlIdpIdentity } from '@gatehouse/testing';
import { DirectoryError } from '../ldap-directory';
import { identityOfAssertion } from '../saml-sign-in';
import { parseIdpMetadata, SAML_DEFAULTS, SamlConfig, SamlRefusal, samlStored, SamlUpstream, serviceProviderOf, UnknownSamlRequest } from '../saml-upstream';

const VARIABLES = { allowedNetworks: 'FEDERATION_ALLOWED_NETWORKS', allowLoopback: 'FEDERATION_ALLOW_LOOPBACK', what: 'identity providers' };

describe('SamlUpstream: what a SAML response must be to sign someone in', () => {
  const signing = generateSigningKey();
  const idp: SamlIdpIdentity = { entityId: 'https://idp.example.com/idp', ssoUrl: 'https://idp.example.com/sso', ...signing };
  const account = { attributes: { email: 'ada@example.com', groups: ['Engineers', 'Staff'], firstName: 'Ada' }, authnContext: 'https://refeds.org/profile/mfa' };
  const sp = serviceProviderOf('https://gatehouse.example.com/', '0b0e3c1e-6f4c-4a57-9a55-6c2f1f1f1f1f');
  const config: SamlConfig = {
    metadataUrl: null, metadataXml: idpMetadata(idp), attributes: { ...SAML_DEFAULTS.attributes }, emailVerified: false,
    mfaContexts: [...SAML_DEFAULTS.mfaContexts], clockSkewSeconds: 60, idp: parseIdpMetadata(idpMetadata(idp)),
  };
  const upstream = new SamlUpstream(config, sp);
  const requestId = '_known-request';
  const known = async (id: string) => (id === requestId ? new Date().toISOString() : null);
  const mint = (overrides: Partial<MintRequest> = {}) =>
    mintSamlResponse(idp, account, { inResponseTo: requestId, acsUrl: sp.acsUrl, audience: sp.entityId, account: 'ada-1', ...overrides });
  const refusal = async (samlResponse: string) => {
    const error = await upstream.validate(samlResponse, known).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  };

  it('reads the entity id, the HTTP-Redirect SSO URL and the signing certificate from the metadata', () => {
    const read = parseIdpMetadata(idpMetadata(idp));
    expect(read).toEqual({ entityId: idp.entityId, ssoUrl: idp.ssoUrl, certificates: [signing.cert.replace(/-----[^-]+-----|\s+/g, '')] });
  });

  it.each([
    ['not XML', 'this is not xml', /not well-formed XML/],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', /DOCTYPE/],
    ['no IdP descriptor', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>', /IDPSSODescriptor/],
    ['no redirect binding', idpMetadata(idp).replace(/<md:SingleSignOnService Binding="[^"]*HTTP-Redirect"[^>]*>/, ''), /HTTP-Redirect/],
    ['no certificate', idpMetadata(idp).replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, ''), /no signing certificate/],
    ['a certificate that does not parse', idpMetadata(idp).replace(/<ds:X509Certificate>[^<]*/, '<ds:X509Certificate>AAAA'), /does not parse/],
  ])('refuses metadata with %s, saying why', (_what, xml, message) => {
    expect(() => parseIdpMetadata(xml)).toThrow(DirectoryError);
    expect(() => parseIdpMetadata(xml)).toThrow(message);
  });

  it('refuses settings without metadata, and metadata URLs the outbound rules refuse, naming the field', async () => {
    const strict = new DestinationPolicy('', false, VARIABLES);
    await expect(samlStored({}, strict)).rejects.toMatchObject({ problem: { status: 400, errors: [{ field: 'saml.metadataUrl' }] } });
    await expect(samlStored({ metadataUrl: 'http://169.254.169.254/metadata' }, strict)).rejects.toMatchObject({ problem: { errors: [{ field: 'saml.metadataUrl' }] } });
    await expect(samlStored({ metadataXml: '<x/>' }, strict)).rejects.toMatchObject({ problem: { errors: [{ field: 'saml.metadataXml', message: expect.stringMatching(/IDPSSODescriptor/) }] } });
    const stored = await samlStored({ metadataXml: idpMetadata(idp) }, strict);
    expect(stored).toMatchObject({ emailVerified: false, clockSkewSeconds: 60, attributes: { username: null, email: 'email' }, idp: { entityId: idp.entityId } });
  });

  it('accepts a signed response answering our request: the NameID, attributes and AuthnContextClassRef', async () => {
    const assertion = await upstream.validate(mint(), known);
    expect(assertion).toEqual({
      requestId, nameId: 'ada-1', authnContexts: ['https://refeds.org/profile/mfa'],
      attributes: { email: ['ada@example.com'], groups: ['Engineers', 'Staff'], firstName: ['Ada'] },
    });
  });

  it.each([
    ['unsigned', { unsigned: true }, /signature/i],
    ['altered after signing', { alter: true }, /signature/i],
    ['signed by a key not in the metadata', { foreignKey: generateSigningKey('/CN=Someone else') }, /signature/i],
    ['expired', { shiftSeconds: -3600 }, /expired|subject confirmation|NotOnOrAfter/i],
    ['not yet valid', { shiftSeconds: 3600 }, /not yet valid|NotBefore|subject confirmation/i],
    ['for another audience', { audience: 'https://other.example.com/sp' }, /audience/i],
    ['for another recipient', { recipient: 'https://other.example.com/acs' }, /Recipient/],
    ['for another destination', { destination: 'https://other.example.com/acs' }, /Destination/],
    ['unsolicited (no InResponseTo)', { inResponseTo: undefined }, /InResponseTo/],
  ])('refuses a response %s', async (_what, overrides, message) => {
    const error = await refusal(mint(overrides as Partial<MintRequest>));
    expect(error).toBeInstanceOf(SamlRefusal);
    expect((error as SamlRefusal).malformed).toBe(false);
    expect(error.message).toMatch(message);
  });

  it('refuses a response to a request we did not make (or already spent) as unknown', async () => {
    expect(await refusal(mint({ inResponseTo: '_someone-elses' }))).toBeInstanceOf(UnknownSamlRequest);
  });

  it.each([
    ['not base64', '%%%not-base64%%%'],
    ['base64 of no XML', Buffer.from('hello').toString('base64')],
    ['XML with a DOCTYPE', Buffer.from('<!DOCTYPE r [<!ENTITY a "b">]><r/>').toString('base64')],
    ['XML that is not a Response', Buffer.from('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>').toString('base64')],
  ])('answers a malformed SAMLResponse (%s) as malformed', async (_what, samlResponse) => {
    const error = (await refusal(samlResponse)) as SamlRefusal;
    expect(error).toBeInstanceOf(SamlRefusal);
    expect(error.malformed).toBe(true);
    expect(error.toProblem('IdP').problem).toMatchObject({ status: 400, errors: [{ field: 'SAMLResponse' }] });
  });

  it('maps the assertion: NameID as the username by default, an address verified only when the provider says so', async () => {
    const assertion = await upstream.validate(mint(), known);
    expect(identityOfAssertion(config, assertion)).toEqual({
      externalId: 'ada-1', username: 'ada-1', email: 'ada@example.com', emailVerified: false, firstName: 'Ada', lastName: null, groups: ['engineers', 'staff'],
    });
    const verified = { ...config, emailVerified: true, attributes: { ...config.attributes, username: 'email' } };
    expect(identityOfAssertion(verified, assertion)).toMatchObject({ username: 'ada@example.com', emailVerified: true });
  });
});
