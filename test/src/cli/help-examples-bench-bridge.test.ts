/** The `bench bridge` `--help` examples, run as pasted with --quick (help-examples.ts): minutes of real Spark and a Kubernetes testbed, beside the other examples' file. */
import { exampleTests, isBenchBridge } from './help-examples.js';

exampleTests(isBenchBridge, { checks: false });
