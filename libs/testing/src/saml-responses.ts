import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

/** A SAML IdP's signing identity: its entity id, SSO URL, key and certificate (PEM). */
export interface SamlIdpIdentity {
  entityId: string;
  ssoUrl: string;
  key: string;
  cert: string;
}

/** A test account of a SAML IdP, by NameID: its attributes and the AuthnContextClassRef its sign-ins assert. */
export interface SamlTestAccount {
  attributes?: Record<string, string | string[]>;
  authnContext?: string;
}

/** What a minted response says, and how it is spoiled. */
export interface MintRequest {
  /** The AuthnRequest's id it answers (InResponseTo); none: unsolicited. */
  inResponseTo?: string;
  acsUrl: string;
  audience: string;
  account: string;
  recipient?: string;
  destination?: string;
  authnContext?: string;
  /** Seconds added to now for IssueInstant, NotBefore and NotOnOrAfter (negative: in the past). */
  shiftSeconds?: number;
  unsigned?: boolean;
  /** Change an attribute value after signing (the digest no longer matches). */
  alter?: boolean;
  /** Sign with another key than the metadata's. */
  foreignKey?: { key: string; cert: string };
}

export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The IdP's metadata: entity id, SSO by HTTP-Redirect (and POST), its signing certificate. */
export function idpMetadata(idp: SamlIdpIdentity): string {
  const certBody = idp.cert.replace(/-----[^-]+-----|\s+/g, '');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${idp.entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${idp.ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${idp.ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

const id = () => `_${randomBytes(16).toString('hex')}`;

/** A SAML Response (base64) answering as `idp`, its assertion signed (RSA-SHA256, exclusive c14n) or spoiled as asked. */
export function mintSamlResponse(idp: SamlIdpIdentity, account: SamlTestAccount, request: MintRequest): string {
  const now = Date.now() + (request.shiftSeconds ?? 0) * 1000;
  const at = (offsetSeconds: number) => new Date(now + offsetSeconds * 1000).toISOString();
  const inResponseTo = request.inResponseTo ? ` InResponseTo="${escapeXml(request.inResponseTo)}"` : '';
  const attributes = Object.entries(account.attributes ?? {})
    .map(([name, value]) => `<saml:Attribute Name="${escapeXml(name)}">${(Array.isArray(value) ? value : [value]).map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const assertionId = id();
  const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${at(0)}"><saml:Issuer>${idp.entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escapeXml(request.account)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${at(300)}" Recipient="${escapeXml(request.recipient ?? request.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${at(-5)}" NotOnOrAfter="${at(300)}"><saml:AudienceRestriction><saml:Audience>${escapeXml(request.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>${escapeXml(request.authnContext ?? account.authnContext ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`;
  let signed = assertion;
  if (!request.unsigned) {
    const signer = new SignedXml({
      privateKey: request.foreignKey?.key ?? idp.key,
      publicCert: request.foreignKey?.cert ?? idp.cert,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    signer.addReference({
      xpath: "//*[local-name(.)='Assertion']",
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    });
    signer.computeSignature(assertion, { prefix: 'ds', location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
    signed = signer.getSignedXml();
  }
  if (request.alter) signed = signed.replace(/(<saml:NameID[^>]*>)[^<]*/, '$1someone-else');
  const destination = request.destination ?? request.acsUrl;
  const response = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${at(0)}" Destination="${escapeXml(destination)}"${inResponseTo}><saml:Issuer>${idp.entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${signed}</samlp:Response>`;
  return Buffer.from(response, 'utf8').toString('base64');
}

