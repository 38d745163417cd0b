// A minimal HTTP backend for the serving benchmark: answers "ok" with its id, keeps idle connections 65 s.
const http = require('node:http');
const [port, id] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(id.length + 4) });
  res.end(`ok ${id}\n`);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
