/**
 * Creates (or reuses) a database and migrates every service's schema in it exactly as the services do at
 * start-up (dist/ build): shared by the seed-at-scale tool.
 */
const root = require('node:path').resolve(__dirname, '../..');
const { Client } = require('pg');
const { DataSource } = require('typeorm');
const { dataSourceOptions, migrate } = require(`${root}/dist/libs/database/src`);

const SCHEMAS = {
  identity: () => require(`${root}/dist/apps/identity/src/migrations`).IDENTITY_MIGRATIONS,
  tenancy: () => require(`${root}/dist/apps/tenancy/src/migrations`).TENANCY_MIGRATIONS,
  authorization: () => require(`${root}/dist/apps/authorization/src/migrations`).AUTHORIZATION_MIGRATIONS,
  notification: () => require(`${root}/dist/apps/notification/src/migrations`).NOTIFICATION_MIGRATIONS,
};

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function createDatabase(serverUrl, name, { fresh }) {
  const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return withDatabase(serverUrl, name);
}

async function migrateAll(url) {
  for (const [schema, migrations] of Object.entries(SCHEMAS)) {
    const list = migrations();
    if (!Array.isArray(list)) throw new Error(`no migrations list for ${schema}`);
    const dataSource = await new DataSource(dataSourceOptions({ url, schema, poolSize: 2, applicationName: 'seed-scale', entities: [], migrations: list })).initialize();
    try {
      await migrate(dataSource, schema);
    } finally {
      await dataSource.destroy();
    }
  }
}

module.exports = { createDatabase, migrateAll, withDatabase };
