import { TenancyInitial1764000000000 } from './1764000000000-tenancy-initial';

export const TENANCY_MIGRATIONS = [TenancyInitial1764000000000];
