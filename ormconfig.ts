import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

/** The TypeORM CLI's data source (`npm run migration:generate|run|revert`), built from the same env as the service. */
export default new DataSource(buildDataSourceOptions(loadConfig(process.env)));
