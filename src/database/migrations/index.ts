import { InitialSchema1795454567031 } from './1795454567031-InitialSchema';
import { ExactIdentifiersBigMoney1796100000000 } from './1796100000000-ExactIdentifiersBigMoney';

/** Migrations in order. `npm run migration:generate -- src/database/migrations/<Name>` writes a new file; add its class here. */
export const MIGRATIONS: Function[] = [InitialSchema1795454567031, ExactIdentifiersBigMoney1796100000000];
