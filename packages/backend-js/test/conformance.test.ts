import { runConformance } from '@cp/conformance';
import { createJsBackend } from '../src/index.js';

runConformance('js', createJsBackend);
