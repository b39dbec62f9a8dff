// `node --import ./record-imports.mjs …` appends the URL of every ES module the
// process resolves to $SSPE_IMPORT_LOG (the hooks run on their own thread).
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url);
