import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { isIP, Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';
import type { DnssecStatus } from '../../../shared/policy/mx-check.js';

/**
 * DNS with the DNSSEC bits, which Node's resolver hides: queries with DO set
 * (RFC 3225) to a recursive resolver, reading AD (RFC 4035 §3.2.3) for
 * "secure" and retrying a SERVFAIL with CD set to tell a broken signature
 * ("bogus") from a broken server. Over UDP, then TCP when the answer is
 * truncated (RFC 7766).
 */
export interface DnsServer {
  address: string;
  port: number;
}

/** ADDR, ADDR:PORT or [v6]:PORT, as `--dns-server` takes them; the system's servers when the list is empty. */
export function parseDnsServers(list: readonly string[] | undefined): DnsServer[] {
  const entries = list && list.length > 0 ? list : getServers();
  return entries.map((entry) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) return { address: bracketed[1] ?? '', port: Number(bracketed[2] ?? 53) };
    if (isIP(entry) === 6) return { address: entry, port: 53 };
    const [address = '', port] = entry.split(':');
    return { address, port: Number(port ?? 53) };
  });
}

/** A DNS message is at most 64 KiB over TCP; an answer bigger than the EDNS size we offer comes over TCP. */
const UDP_PAYLOAD = 1232;
const MAX_TCP_MESSAGE = 65_535;

interface DnsAnswer {
  rcode: string;
  ad: boolean;
  packet: DecodedPacket;
}

class DnsQueryError extends Error {
  constructor(
    message: string,
    readonly code: 'ETIMEOUT' | 'ECONNREFUSED' | 'EBADRESP',
  ) {
    super(message);
  }
}

interface QueryOptions {
  checkingDisabled?: boolean;
  timeoutMs: number;
  signal: AbortSignal;
}

function queryPacket(id: number, name: string, type: RecordType, checkingDisabled: boolean): Packet {
  return {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | (checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ type, name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: UDP_PAYLOAD,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: dnsPacket.DNSSEC_OK,
        flag_do: true,
        options: [],
      },
    ],
  };
}

function answerFor(id: number, name: string, type: RecordType, message: Buffer): DnsAnswer | null {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return null;
  }
  // An answer to another question (a spoofed or stray packet) is not this one's.
  const question = packet.questions?.[0];
  if (packet.id !== id || question?.type !== type || question.name.toLowerCase() !== name.toLowerCase()) return null;
  // dns-packet decodes the rcode as a name; its types leave the field out.
  const rcode = (packet as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
  return { rcode, ad: packet.flag_ad, packet };
}

function udpQuery(server: DnsServer, name: string, type: RecordType, options: QueryOptions): Promise<DnsAnswer> {
  const id = randomInt(0, 65_536);
  const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const done = (error: Error | null, answer?: DnsAnswer): void => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else if (answer) resolve(answer);
    };
    const onAbort = (): void => {
      done(new DnsQueryError(`${type} ${name}: the check's deadline passed`, 'ETIMEOUT'));
    };
    const timer = setTimeout(() => {
      done(new DnsQueryError(`${type} ${name}: no answer from ${server.address}:${server.port}`, 'ETIMEOUT'));
    }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      done(new DnsQueryError(`${type} ${name}: ${error.code ?? error.message}`, 'ECONNREFUSED'));
    });
    socket.on('message', (message) => {
      const answer = answerFor(id, name, type, message);
      if (answer) done(null, answer);
    });
    socket.send(
      dnsPacket.encode(queryPacket(id, name, type, options.checkingDisabled ?? false)),
      server.port,
      server.address,
    );
  });
}

function tcpQuery(server: DnsServer, name: string, type: RecordType, options: QueryOptions): Promise<DnsAnswer> {
  const id = randomInt(0, 65_536);
  return new Promise<DnsAnswer>((resolve, reject) => {
    const socket = new Socket();
    let buffered = Buffer.alloc(0);
    const done = (error: Error | null, answer?: DnsAnswer): void => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else if (answer) resolve(answer);
    };
    const onAbort = (): void => {
      done(new DnsQueryError(`${type} ${name}: the check's deadline passed`, 'ETIMEOUT'));
    };
    const timer = setTimeout(() => {
      done(new DnsQueryError(`${type} ${name}: no answer over TCP from ${server.address}`, 'ETIMEOUT'));
    }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      done(new DnsQueryError(`${type} ${name}: ${error.code ?? error.message}`, 'ECONNREFUSED'));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_TCP_MESSAGE + 2) {
        done(new DnsQueryError(`${type} ${name}: an answer over 64 KiB`, 'EBADRESP'));
        return;
      }
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (buffered.length < length + 2) return;
      const answer = answerFor(id, name, type, buffered.subarray(2, 2 + length));
      done(
        answer ? null : new DnsQueryError(`${type} ${name}: an answer that does not parse`, 'EBADRESP'),
        answer ?? undefined,
      );
    });
    socket.connect(server.port, server.address, () => {
      socket.write(dnsPacket.streamEncode(queryPacket(id, name, type, options.checkingDisabled ?? false)));
    });
  });
}

async function query(
  servers: readonly DnsServer[],
  name: string,
  type: RecordType,
  options: QueryOptions,
): Promise<DnsAnswer> {
  let last: unknown = new DnsQueryError(`${type} ${name}: no DNS server`, 'ECONNREFUSED');
  for (const server of servers) {
    try {
      const answer = await udpQuery(server, name, type, options);
      return answer.packet.flag_tc ? await tcpQuery(server, name, type, options) : answer;
    } catch (error) {
      last = error;
      if (options.signal.aborted) break;
    }
  }
  throw last;
}

export interface SecureLookup<T> {
  status: DnssecStatus;
  /** NOERROR, NXDOMAIN …; SERVFAIL when bogus. */
  rcode: string;
  records: T[];
}

/**
 * One resolver for one check: it remembers whether the resolver validates at
 * all, which it learns by asking for the root's SOA (the root is signed, so a
 * validating resolver sets AD on it). Without that, "no AD bit" would be
 * reported as insecure by a resolver that never checks.
 */
export class SecureResolver {
  private validates: Promise<boolean> | null = null;

  constructor(
    private readonly servers: readonly DnsServer[],
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {}

  resolverValidates(): Promise<boolean> {
    this.validates ??= query(this.servers, '.', 'SOA', { timeoutMs: this.timeoutMs, signal: this.signal }).then(
      (answer) => answer.ad,
      () => false,
    );
    return this.validates;
  }

  async lookup<T>(name: string, type: RecordType): Promise<SecureLookup<T>> {
    const options = { timeoutMs: this.timeoutMs, signal: this.signal };
    const answer = await query(this.servers, name, type, options);
    if (answer.rcode === 'SERVFAIL') {
      // RFC 4035 §3.2.2: with CD set a validating resolver answers what it could not validate.
      const unchecked = await query(this.servers, name, type, { ...options, checkingDisabled: true }).catch(() => null);
      if (unchecked && unchecked.rcode !== 'SERVFAIL' && (await this.resolverValidates())) {
        return { status: 'bogus', rcode: 'SERVFAIL', records: [] };
      }
      throw new DnsQueryError(`${type} ${name}: the DNS server answered SERVFAIL`, 'EBADRESP');
    }
    const records = (answer.packet.answers ?? [])
      .filter((record) => record.type === type)
      .map((record) => (record as unknown as { data: T }).data);
    const status: DnssecStatus = answer.ad ? 'secure' : (await this.resolverValidates()) ? 'insecure' : 'unknown';
    return { status, rcode: answer.rcode, records };
  }
}
