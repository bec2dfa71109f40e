// The descriptor set Envoy transcodes the echo service with, built at run time into
// a scratch buf workspace: echo.proto lives outside proto/ (no shop contract), so
// the project's buf.yaml, and with it buf lint and buf breaking, never sees it.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ECHO_PROTO, GOOGLEAPIS } from './echo-server.js';

const BUF = resolve(import.meta.dirname, '../../../node_modules/.bin/buf');

/** Builds `<workDir>/echo.binpb` (echo.proto, google/api annotations, google.rpc.Status) and returns its path. */
export async function buildEchoDescriptor(workDir: string): Promise<string> {
  const workspace = join(workDir, 'echo-buf');
  mkdirSync(join(workspace, 'echo'), { recursive: true });
  copyFileSync(ECHO_PROTO, join(workspace, 'echo/echo.proto'));
  // The same google protos the shop's descriptor uses (buf.yaml), from npm.
  symlinkSync(GOOGLEAPIS, join(workspace, 'googleapis'));
  writeFileSync(join(workspace, 'buf.yaml'), [
    'version: v2',
    'modules:',
    '  - path: echo',
    '  - path: googleapis',
    '    includes: [googleapis/google/api, googleapis/google/rpc]',
    '',
  ].join('\n'));
  const out = join(workDir, 'echo.binpb');
  // google.rpc.Status too, as in envoy/descriptor.binpb: the transcoder's
  // convert_grpc_status renders error details with it.
  await promisify(execFile)(BUF, ['build', '--path', 'echo/echo.proto', '--path', 'googleapis/google/rpc/status.proto', '-o', out], { cwd: workspace });
  return out;
}
