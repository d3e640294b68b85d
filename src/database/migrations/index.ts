import { InitialSchema1795454567031 } from './1795454567031-InitialSchema';
import { Refunds1796181168300 } from './1796181168300-Refunds';

/** Migrations in order. `npm run migration:generate -- src/database/migrations/<Name>` writes a new file; add its class here. */
export const MIGRATIONS: Function[] = [InitialSchema1795454567031, Refunds1796181168300];
