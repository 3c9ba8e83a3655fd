/**
 * The closest peer: IPX (Node + sharp) serving the bench images from a folder.
 * GET /s_{w}x{h},fit_inside,f_{fmt},q_80/{file}
 *
 * IPX does not auto-orient by default; `autoOrient` in its sharp options makes it do the same work
 * as the service (and the output the same size) for photos with an EXIF orientation.
 */
import http from 'node:http';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const ipx = createIPX({
  storage: ipxFSStorage({ dir: process.env.SOURCE_DIR ?? '.' }),
  sharpOptions: { jpegProgressive: true, autoOrient: true } as Record<string, unknown>,
});
const server = http.createServer(createIPXNodeServer(ipx));
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`);
});
