import { NatsRecord, NatsRecordBuilder, Serializer } from '@nestjs/microservices';
import { JSONCodec, MsgHdrs } from 'nats';

const codec = JSONCodec();

interface OutgoingPacket {
  response?: unknown;
  data?: unknown;
  headers?: MsgHdrs;
}

/**
 * Nest's NATS serializer, except that a handler (or interceptor) answering with a NatsRecord has the
 * record's headers sent with the reply (Nest sends headers only on requests): how a service tells the
 * gateway that a keyed request was answered from its record.
 */
export class ReplySerializer implements Serializer<OutgoingPacket, { data: Uint8Array; headers?: MsgHdrs }> {
  serialize(packet: OutgoingPacket): { data: Uint8Array; headers?: MsgHdrs } {
    if (packet?.response instanceof NatsRecord) {
      return { data: codec.encode({ ...packet, response: packet.response.data }), headers: packet.response.headers as MsgHdrs | undefined };
    }
    const record = packet?.data instanceof NatsRecord ? packet.data : new NatsRecordBuilder(packet?.data).setHeaders(packet?.headers).build();
    return { data: codec.encode({ ...packet, data: record.data }), headers: record.headers as MsgHdrs | undefined };
  }
}
