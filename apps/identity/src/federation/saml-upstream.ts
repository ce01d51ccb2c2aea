import { randomBytes, X509Certificate } from 'node:crypto';
import { ConnectionTestResult, SamlIdpView, SamlSettings, SamlSettingsView } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { CacheProvider, generateServiceProviderMetadata, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { DirectoryError } from './ldap-directory';
import { OutboundFetcher } from './outbound-fetch';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export const SAML_DEFAULTS = {
  attributes: { username: null, email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' },
  emailVerified: false,
  // AuthnContextClassRef values of a second factor: SAML 2.0's multi-factor classes, REFEDS MFA, Entra ID's.
  mfaContexts: [
    'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
    'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered',
    'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
    'https://refeds.org/profile/mfa',
    'http://schemas.microsoft.com/claims/multipleauthn',
  ],
  clockSkewSeconds: 60,
} as const;

/** The IdP as its metadata describes it: certificates as base64 DER. */
export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

/** SAML settings as stored: the admin's, defaults applied, and the IdP read from the metadata at the save. */
export type SamlConfig = Required<Omit<SamlSettings, 'attributes'>> & { attributes: SamlSettingsView['attributes']; idp: SamlIdp };

/** Gatehouse's side of one SAML provider: its entity id (the audience) and assertion consumer service. */
export interface SamlServiceProvider {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
}

export function serviceProviderOf(publicBase: string, providerId: string): SamlServiceProvider {
  const base = `${publicBase.replace(/\/$/, '')}/saml/${providerId}`;
  return { entityId: `${base}/metadata`, acsUrl: `${base}/acs`, metadataUrl: `${base}/metadata` };
}

/** What a checked assertion says of the person. */
export interface SamlAssertion {
  requestId: string;
  nameId: string;
  attributes: Record<string, string[]>;
  authnContexts: string[];
}

/** A response that fails a check: 400 naming the field when it is not a SAML response at all, else 401 federation-refused. */
export class SamlRefusal extends Error {
  constructor(message: string, readonly malformed = false) {
    super(message);
  }

  toProblem(providerName: string): ProblemException {
    return this.malformed
      ? ProblemException.validation([{ field: 'SAMLResponse', message: this.message }])
      : new ProblemException(401, 'federation-refused', `The answer of "${providerName}" was refused: ${this.message.slice(0, 300)}`);
  }
}

/** XML without a DOCTYPE (no entities), parsed strictly: null with the parser's complaint otherwise. */
export function parseXml(text: string): { document: Document } | { problem: string } {
  if (/<!DOCTYPE/i.test(text)) return { problem: 'a DOCTYPE is not allowed' };
  const errors: string[] = [];
  const document = new DOMParser({
    // xmldom reports a mismatched or unclosed tag as a mere warning: any complaint refuses the document.
    errorHandler: { warning: (m: string) => errors.push(m), error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) },
  }).parseFromString(text, 'text/xml') as unknown as Document;
  if (errors.length > 0 || !document?.documentElement) return { problem: `not well-formed XML (${(errors[0] ?? 'empty').split('\n')[0].slice(0, 200)})` };
  return { document };
}

const select = (expression: string, node: Node): Node[] => xpath.select(expression, node) as Node[];
const local = (name: string) => `*[local-name()='${name}']`;

/** The IdP's entity id, SSO URL (HTTP-Redirect) and signing certificates from its metadata; throws a DirectoryError('metadata'). */
export function parseIdpMetadata(xml: string): SamlIdp {
  const parsed = parseXml(xml);
  if ('problem' in parsed) throw new DirectoryError('metadata', `metadata: ${parsed.problem}`);
  const [descriptor] = select(`//${local('EntityDescriptor')}[${local('IDPSSODescriptor')}]`, parsed.document) as Element[];
  if (!descriptor) throw new DirectoryError('metadata', 'metadata: no EntityDescriptor with an IDPSSODescriptor');
  const entityId = descriptor.getAttribute('entityID') ?? '';
  if (!entityId) throw new DirectoryError('metadata', 'metadata: the EntityDescriptor has no entityID');
  const idp = select(local('IDPSSODescriptor'), descriptor)[0];
  const sso = (select(local('SingleSignOnService'), idp) as Element[]).find((e) => e.getAttribute('Binding') === REDIRECT_BINDING);
  const ssoUrl = sso?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) throw new DirectoryError('metadata', 'metadata: no SingleSignOnService with the HTTP-Redirect binding and an http(s) Location');
  const keys = (select(local('KeyDescriptor'), idp) as Element[]).filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing');
  const certificates = keys
    .flatMap((k) => select(`.//${local('X509Certificate')}`, k))
    .map((n) => (n.textContent ?? '').replace(/\s+/g, ''))
    .filter((c) => c.length > 0);
  if (certificates.length === 0) throw new DirectoryError('metadata', 'metadata: no signing certificate (KeyDescriptor with an X509Certificate)');
  for (const certificate of certificates) certificateView(certificate);
  return { entityId, ssoUrl, certificates: [...new Set(certificates)] };
}

/** A certificate's subject, validity and SHA-256 fingerprint; throws a DirectoryError('certificate') when it does not parse. */
export function certificateView(base64: string): SamlIdpView['certificates'][number] {
  try {
    const x509 = new X509Certificate(Buffer.from(base64, 'base64'));
    return {
      subject: x509.subject.replace(/\n/g, ', '),
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
      fingerprint: x509.fingerprint256,
    };
  } catch (error) {
    throw new DirectoryError('certificate', `certificate: an X509Certificate of the metadata does not parse (${(error as Error).message})`);
  }
}

const pem = (base64: string) => `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;

/** Gatehouse's SP metadata for one provider: the entity id, the HTTP-POST assertion consumer service, signed assertions wanted. */
export function serviceProviderMetadata(sp: SamlServiceProvider): string {
  return generateServiceProviderMetadata({ issuer: sp.entityId, callbackUrl: sp.acsUrl, wantAssertionsSigned: true, identifierFormat: null });
}

/** Reads the IdP's metadata (the URL under the outbound rules, or the pasted XML). */
export async function readIdpMetadata(settings: Pick<SamlSettings, 'metadataUrl' | 'metadataXml'>, policy: DestinationPolicy): Promise<{ xml: string; source: string }> {
  if (settings.metadataXml) return { xml: settings.metadataXml, source: 'the pasted metadata' };
  const url = settings.metadataUrl as string;
  const problem = policy.urlProblem(url, 'saml.metadataUrl');
  if (problem) throw new DirectoryError('url', problem);
  const fetcher = new OutboundFetcher(policy, 5000);
  try {
    const response = await fetcher.fetch(url, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    if (!response.ok) throw new DirectoryError('metadata', `metadata: ${url} answered ${response.status}`);
    const xml = await response.text();
    if (xml.length > 1_000_000) throw new DirectoryError('metadata', `metadata: ${url} answered more than 1 MB`);
    return { xml, source: url };
  } finally {
    fetcher.close();
  }
}

/**
 * One SAML 2.0 identity provider through @node-saml/node-saml: SP-initiated sign-in (an AuthnRequest by the
 * HTTP-Redirect binding, unsigned), the response by HTTP-POST with its assertion signed by a certificate of the
 * metadata, the audience our entity id, the recipient and destination our ACS, the times within the clock skew,
 * InResponseTo a request we made (the caller's lookup), the issuer the IdP's entity id.
 */
export class SamlUpstream {
  constructor(readonly config: SamlConfig, readonly sp: SamlServiceProvider) {}

  private client(requestId: string | null, knownRequest: CacheProvider['getAsync']): SAML {
    const noop = async () => null;
    return new SAML({
      idpCert: this.config.idp.certificates.map(pem),
      issuer: this.sp.entityId,
      callbackUrl: this.sp.acsUrl,
      entryPoint: this.config.idp.ssoUrl,
      audience: this.sp.entityId,
      idpIssuer: this.config.idp.entityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: this.config.clockSkewSeconds * 1000,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: 10 * 60 * 1000,
      cacheProvider: { saveAsync: noop, getAsync: knownRequest, removeAsync: noop },
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      generateUniqueId: () => requestId ?? `_${randomBytes(20).toString('hex')}`,
    });
  }

  /** Where to send the browser (the IdP's SSO URL with the AuthnRequest and the relay state), and the request's id. */
  async start(relayState: string): Promise<{ url: string; requestId: string }> {
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const url = await this.client(requestId, async () => null).getAuthorizeUrlAsync(relayState, undefined, {});
    return { url, requestId };
  }

  /**
   * The IdP's response (SAMLResponse of the POST, base64) checked; `requestCreatedAt` answers when we made the
   * request it answers (ISO time), or null for an unknown, spent or expired one.
   */
  async validate(samlResponse: string, requestCreatedAt: (requestId: string) => Promise<string | null>): Promise<SamlAssertion> {
    const compact = samlResponse.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new SamlRefusal('SAMLResponse is not base64', true);
    const xml = Buffer.from(compact, 'base64').toString('utf8');
    const parsed = parseXml(xml);
    if ('problem' in parsed) throw new SamlRefusal(`SAMLResponse is ${parsed.problem}`, true);
    const root = parsed.document.documentElement;
    if (root.localName !== 'Response') throw new SamlRefusal('SAMLResponse is not a SAML Response', true);
    const destination = root.getAttribute('Destination');
    if (destination && destination !== this.sp.acsUrl) throw new SamlRefusal(`the response's Destination ${destination.slice(0, 200)} is not this provider's ACS URL`);
    let unknownRequest = false;
    const lookup = async (id: string) => {
      const created = await requestCreatedAt(id);
      if (!created) unknownRequest = true;
      return created;
    };
    let profile;
    try {
      ({ profile } = await this.client(null, lookup).validatePostResponseAsync({ SAMLResponse: compact }));
    } catch (error) {
      if (unknownRequest) throw new UnknownSamlRequest();
      throw new SamlRefusal((error as Error).message);
    }
    if (!profile) throw new SamlRefusal('the response carries no assertion');
    if (profile.issuer !== this.config.idp.entityId) throw new SamlRefusal(`the assertion's issuer ${String(profile.issuer).slice(0, 200)} is not the provider's entity id`);
    const requestId = profile['inResponseTo'];
    if (typeof requestId !== 'string') throw new SamlRefusal('the response answers no request (InResponseTo)');
    // node-saml checked the signature of this very assertion: what follows is read from it alone.
    const assertion = parseXml(profile.getAssertionXml?.() ?? '');
    if ('problem' in assertion) throw new SamlRefusal('the signed assertion does not parse');
    const confirmations = select(`//${local('SubjectConfirmation')}/${local('SubjectConfirmationData')}`, assertion.document) as Element[];
    if (!confirmations.some((c) => c.getAttribute('Recipient') === this.sp.acsUrl)) {
      throw new SamlRefusal("the assertion's SubjectConfirmationData Recipient is not this provider's ACS URL");
    }
    const authnContexts = select(`//${local('AuthnStatement')}//${local('AuthnContextClassRef')}`, assertion.document).map((n) => (n.textContent ?? '').trim());
    const attributes: Record<string, string[]> = {};
    for (const attribute of select(`//${local('AttributeStatement')}/${local('Attribute')}`, assertion.document) as Element[]) {
      const name = attribute.getAttribute('Name') ?? '';
      const values = select(local('AttributeValue'), attribute).map((v) => (v.textContent ?? '').trim()).filter((v) => v.length > 0);
      attributes[name] = [...(attributes[name] ?? []), ...values];
    }
    if (!profile.nameID) throw new SamlRefusal('the assertion has no NameID');
    return { requestId, nameId: profile.nameID, attributes, authnContexts };
  }

  /** The metadata read again (the URL, or the pasted XML), then each signing certificate's validity today. */
  static async test(config: SamlConfig, policy: DestinationPolicy): Promise<ConnectionTestResult> {
    const steps: ConnectionTestResult['steps'] = [];
    const fail = (error: unknown): ConnectionTestResult => {
      const problem = error instanceof DirectoryError ? error : new DirectoryError('metadata', `metadata: ${(error as Error).message}`);
      steps.push({ step: problem.step, ok: false, detail: problem.message });
      return { ok: false, step: problem.step, detail: problem.message, steps };
    };
    let idp: SamlIdp;
    try {
      const { xml, source } = await readIdpMetadata(config, policy);
      idp = parseIdpMetadata(xml);
      steps.push({ step: 'metadata', ok: true, detail: `${source}: entity ${idp.entityId}, SSO ${idp.ssoUrl}, ${idp.certificates.length} signing certificate(s)` });
    } catch (error) {
      return fail(error);
    }
    const now = Date.now();
    const views = idp.certificates.map(certificateView);
    const valid = views.filter((c) => Date.parse(c.notBefore) <= now && now < Date.parse(c.notAfter));
    if (valid.length === 0) {
      return fail(new DirectoryError('certificate', `certificate: no signing certificate is valid now (${views.map((c) => `${c.subject}: ${c.notBefore} to ${c.notAfter}`).join('; ')})`));
    }
    const stale = idp.entityId !== config.idp.entityId || idp.ssoUrl !== config.idp.ssoUrl || idp.certificates.join() !== config.idp.certificates.join();
    steps.push({
      step: 'certificate', ok: true,
      detail: `${valid.length} of ${views.length} certificate(s) valid now (${valid.map((c) => `${c.subject} until ${c.notAfter}`).join('; ')})${stale ? '; the metadata changed since the provider was saved: save it again to use it' : ''}`,
    });
    return { ok: true, step: 'ok', detail: 'The metadata was read and a signing certificate is valid', steps };
  }
}

/** The response answers a request we did not make, or one already answered or expired (a replay). */
export class UnknownSamlRequest extends Error {
  constructor() {
    super('this sign-in has expired, was already used or was not started here: start again');
  }
}

/** The admin's settings, defaults applied and the metadata read: 400 naming the field when something is wrong. */
export async function samlStored(settings: SamlSettings, policy: DestinationPolicy): Promise<SamlConfig> {
  const field = settings.metadataXml ? 'saml.metadataXml' : 'saml.metadataUrl';
  if (!settings.metadataXml && !settings.metadataUrl) {
    throw ProblemException.validation([{ field: 'saml.metadataUrl', message: 'one of saml.metadataUrl and saml.metadataXml is required' }]);
  }
  let idp: SamlIdp;
  try {
    idp = parseIdpMetadata((await readIdpMetadata(settings, policy)).xml);
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    throw ProblemException.validation([{ field, message: error.message }]);
  }
  const ssoProblem = /^http:/.test(idp.ssoUrl) && !(policy.loopbackAllowed && policy.isLoopbackHost(new URL(idp.ssoUrl).hostname));
  if (ssoProblem) throw ProblemException.validation([{ field, message: 'metadata: the SSO URL must use https' }]);
  return {
    metadataUrl: settings.metadataXml ? null : (settings.metadataUrl ?? null),
    metadataXml: settings.metadataXml ?? null,
    attributes: { ...SAML_DEFAULTS.attributes, ...(settings.attributes ?? {}) },
    emailVerified: settings.emailVerified ?? SAML_DEFAULTS.emailVerified,
    mfaContexts: settings.mfaContexts ?? [...SAML_DEFAULTS.mfaContexts],
    clockSkewSeconds: settings.clockSkewSeconds ?? SAML_DEFAULTS.clockSkewSeconds,
    idp,
  };
}

export function samlView(config: SamlConfig, sp: SamlServiceProvider): SamlSettingsView {
  const certificates = config.idp.certificates.flatMap((c) => {
    try {
      return [certificateView(c)];
    } catch {
      return [];
    }
  });
  return {
    metadataUrl: config.metadataUrl, metadataXml: config.metadataXml, attributes: config.attributes, emailVerified: config.emailVerified,
    mfaContexts: config.mfaContexts, clockSkewSeconds: config.clockSkewSeconds,
    idp: { entityId: config.idp.entityId, ssoUrl: config.idp.ssoUrl, certificates },
    spEntityId: sp.entityId, acsUrl: sp.acsUrl, spMetadataUrl: sp.metadataUrl,
  };
}
