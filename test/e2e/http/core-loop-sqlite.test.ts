import { describeCoreLoop } from './core-loop.suite.js';

describeCoreLoop('filesystem + SQLite + sharp', () => ({}));
