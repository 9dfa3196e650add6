// The benchmark's system under test: a raw node:http server answering 200 "ok", in its own process (its CPU is not
// the generator's); it sends its port to the parent.
import http from 'node:http';

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
