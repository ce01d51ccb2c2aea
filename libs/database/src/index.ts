export * from './snake-naming.strategy';
export * from './database.module';
