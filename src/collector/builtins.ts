// Node built-ins whose ES module namespace costs memory the collector never uses. `import ... from 'node:http'`
// makes Node build the module's namespace, which reads every export, lazy getters included: node:http's
// WebSocket, CloseEvent and MessageEvent load undici and the web streams, 13 MiB of RSS in a bare process and
// 6-7 MiB of an idle collector's. process.getBuiltinModule gives the same module object without a namespace, so
// its getters stay unread. Types still come from `import type`.
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
export const tls = process.getBuiltinModule('node:tls');
export const util = process.getBuiltinModule('node:util');
export const crypto = process.getBuiltinModule('node:crypto');
