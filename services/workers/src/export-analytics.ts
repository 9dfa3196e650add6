// `node dist/export-analytics.js --date YYYY-MM-DD` (the CronJob's command; `npm run analytics:export` locally):
// one day of order facts to the data lake. Exits 0 with a summary line, or 1 with one message.
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '@refarch/config';
import pg from 'pg';
import { exportDay, isDay } from './analytics/lake-export.js';
import { loadExportConfig } from './config.js';

function dateArgument(argv: string[]): string {
  const at = argv.indexOf('--date');
  const value = at >= 0 ? argv[at + 1] : undefined;
  // The CronJob runs after midnight and exports the day before.
  if (value === undefined || value === 'yesterday') return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  if (value === 'today') return new Date().toISOString().slice(0, 10);
  return value;
}

async function main() {
  const date = dateArgument(process.argv.slice(2));
  if (!isDay(date)) throw new Error(`--date must be a day, YYYY-MM-DD, "today" or "yesterday" (got "${date}")`);
  const config = loadExportConfig();
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1, connectionTimeoutMillis: 5_000 });
  const s3 = new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
  });
  try {
    const result = await exportDay({ pool, s3, bucket: config.S3_BUCKET, date }, (line) => console.log(`  ${line}`));
    console.log(`exported ${result.rows} orders of ${date} to s3://${result.bucket}/${result.key}`);
  } finally {
    await pool.end();
    s3.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(
    `analytics export failed: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
