import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../config/app-config';
import { buildDataSourceOptions } from '../data-source-options';
import { loadDemoData } from './demo-data';

/** `npm run seed`: applies migrations (MySQL) and loads the demo data of SPEC §9 into any configured database. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const dataSource = new DataSource(buildDataSourceOptions(config));
  console.log(`seed: connecting to ${config.DB_TYPE}`);
  await dataSource.initialize();
  try {
    const loaded = await dataSource.transaction((em) => loadDemoData(em, (line) => console.log(`seed: ${line}`)));
    console.log(loaded ? 'seed: done' : 'seed: demo data already present, nothing changed');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(`seed: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
