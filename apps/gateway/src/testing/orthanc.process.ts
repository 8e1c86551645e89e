import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export function hasOrthanc(): boolean {
  return existsSync(ORTHANC_BIN) && existsSync(ORTHANC_DICOMWEB);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface OrthancProcess {
  url: string;
  /** Its DIMSE port (AE title TESTPACS unless `extra` says otherwise). */
  dicomPort: number;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts a private Orthanc (its own config, storage and ports; remote access off) with the
 * DICOMweb plugin and `servers` as DicomWeb.Servers. Resolves once its REST API answers.
 */
export async function startOrthanc(
  dir: string,
  servers: Record<string, string[]>,
  /** More top-level Orthanc settings, e.g. `DicomModalities` for C-STORE pushes. */
  extra: Record<string, unknown> = {},
): Promise<OrthancProcess> {
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  await mkdir(path.join(dir, 'db'), { recursive: true });
  const config = {
    Name: 'ROPLINE-TEST-PACS',
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'TESTPACS',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: [ORTHANC_DICOMWEB],
    DicomWeb: { Enable: true, Root: '/dicom-web/', Servers: servers },
    ...extra,
  };
  const file = path.join(dir, 'orthanc.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  let out = '';
  const child = spawn(ORTHANC_BIN, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${config.HttpPort}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited early: ${out.slice(-2000)}`);
    try {
      const res = await fetch(`${url}/system`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not start: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dicomPort: config.DicomPort as number, child, output: () => out, stop };
}
