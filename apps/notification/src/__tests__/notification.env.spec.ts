import { ConfigValidationError, validateEnv } from '@gatehouse/config';
import { NotificationEnv } from '../notification.env';

const bad = (env: Record<string, string>): string => {
  try {
    validateEnv(NotificationEnv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('NotificationEnv', () => {
  it('works with no variables: files in ./.data/mail, links to localhost', () => {
    const env = validateEnv(NotificationEnv, {});
    expect(env.SMTP_HOST).toBeUndefined();
    expect(env).toMatchObject({ MAIL_DIR: './.data/mail', PUBLIC_BASE_URL: 'http://localhost:8080', SMTP_STARTTLS: 'auto' });
  });

  it('reads a full SMTP configuration', () => {
    const env = validateEnv(NotificationEnv, {
      SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_SECURE: 'yes', SMTP_USER: 'u', SMTP_PASSWORD: 'p',
      MAIL_FROM: 'Acme IAM <iam@acme.example>', PUBLIC_BASE_URL: 'https://iam.acme.example',
    });
    expect(env).toMatchObject({ SMTP_PORT: 465, SMTP_SECURE: true, SMTP_USER: 'u' });
  });

  it('names each bad variable', () => {
    expect(bad({ SMTP_USER: 'u' })).toContain('SMTP_PASSWORD');
    expect(bad({ SMTP_PASSWORD: 'p' })).toContain('SMTP_USER');
    expect(bad({ SMTP_STARTTLS: 'maybe' })).toContain('SMTP_STARTTLS');
    expect(bad({ MAIL_FROM: 'nobody' })).toContain('MAIL_FROM');
    expect(bad({ PUBLIC_BASE_URL: 'ftp://x' })).toContain('PUBLIC_BASE_URL');
    expect(bad({ SMTP_PORT: '0' })).toContain('SMTP_PORT');
  });

  it('keeps finished delivery log entries 30 days unless told otherwise, from 1 to 3650 days', () => {
    expect(validateEnv(NotificationEnv, {}).DELIVERY_LOG_RETENTION_DAYS).toBe(30);
    expect(validateEnv(NotificationEnv, { DELIVERY_LOG_RETENTION_DAYS: '' }).DELIVERY_LOG_RETENTION_DAYS).toBe(30);
    expect(validateEnv(NotificationEnv, { DELIVERY_LOG_RETENTION_DAYS: '1' }).DELIVERY_LOG_RETENTION_DAYS).toBe(1);
    expect(validateEnv(NotificationEnv, { DELIVERY_LOG_RETENTION_DAYS: '3650' }).DELIVERY_LOG_RETENTION_DAYS).toBe(3650);
    for (const value of ['0', '-1', '3651', '1.5', 'a month']) {
      expect(bad({ DELIVERY_LOG_RETENTION_DAYS: value })).toMatch(/DELIVERY_LOG_RETENTION_DAYS/);
    }
    expect(bad({ DELIVERY_LOG_RETENTION_DAYS: '0' })).toContain('must not be less than 1');
    expect(bad({ DELIVERY_LOG_RETENTION_DAYS: '3651' })).toContain('must not be greater than 3650');
  });

  it('refuses a lease shorter than a send can take', () => {
    expect(bad({ SMTP_TIMEOUT_MS: '30000', DELIVERY_LEASE_MS: '20000' })).toContain('DELIVERY_LEASE_MS');
    expect(validateEnv(NotificationEnv, { SMTP_TIMEOUT_MS: '1000', DELIVERY_LEASE_MS: '6000' }).DELIVERY_LEASE_MS).toBe(6000);
  });
});
