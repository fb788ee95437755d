/** The bundle's entry: run the CLI and exit with its code. */
import { main } from './cli.js';

declare const CWT_VERSION: string;

const code = await main(process.argv.slice(2), CWT_VERSION);
process.exit(code);
