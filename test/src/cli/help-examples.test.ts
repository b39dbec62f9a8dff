/** Every `--help` example but `bench bridge`'s, run as pasted, in a user's order (help-examples.ts). */
import { exampleTests, isBenchBridge } from './help-examples.js';

exampleTests((e) => !isBenchBridge(e), { checks: true });
