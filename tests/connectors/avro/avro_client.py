"""Independent Avro client for the AvroConverter tests: confluent-kafka's AvroSerializer and
AvroDeserializer (with fastavro underneath) against the same schema registry and Kafka as Ferry.

  avro_client.py consume BOOTSTRAP TOPIC N REGISTRY   print N decoded values, one JSON per line
  avro_client.py produce BOOTSTRAP TOPIC REGISTRY     produce the ORDERS records below
  avro_client.py latest REGISTRY SUBJECT              print the subject's latest schema text
  avro_client.py raw BOOTSTRAP TOPIC VALUE            produce VALUE (text) as the raw value bytes
  avro_client.py rawhex BOOTSTRAP TOPIC HEX           produce the bytes HEX spells as the raw value
  avro_client.py anything BOOTSTRAP TOPIC REGISTRY    produce schemaless values as Java's AvroData
                                                      writes them (the io.confluent.connect.avro.Anything record)
"""
import datetime
import decimal
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER_SCHEMA = json.dumps({
    "type": "record", "name": "Order", "namespace": "com.acme", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "qty", "type": "int"},
        {"name": "price", "type": "double"},
        {"name": "ratio", "type": "float"},
        {"name": "ok", "type": "boolean"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["NEW", "OLD"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "int"}},
        {"name": "raw", "type": "bytes"},
        {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 2}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "either", "type": ["int", "string"]},
        {"name": "addr", "type": {"type": "record", "name": "Addr", "fields": [{"name": "city", "type": "string"}]}},
    ]})

ANYTHING_SCHEMA = json.dumps({
    "type": "record", "name": "Anything", "namespace": "io.confluent.connect.avro", "fields": [
        {"name": "boolean", "type": ["null", "boolean"], "default": None},
        {"name": "bytes", "type": ["null", "bytes"], "default": None},
        {"name": "double", "type": ["null", "double"], "default": None},
        {"name": "float", "type": ["null", "float"], "default": None},
        {"name": "int", "type": ["null", "int"], "default": None},
        {"name": "long", "type": ["null", "long"], "default": None},
        {"name": "string", "type": ["null", "string"], "default": None},
        {"name": "array", "type": ["null", {"type": "array", "items": "Anything"}], "default": None},
        {"name": "map", "type": ["null", {"type": "array", "items": {"type": "record", "name": "MapEntry", "fields": [
            {"name": "key", "type": "Anything"}, {"name": "value", "type": "Anything"}]}}], "default": None},
    ]})
ANYTHINGS = [
    {"string": "hello"},
    {"map": [{"key": {"string": "k"}, "value": {"long": 7}}]},
    {"array": [{"int": 1}, {"boolean": True}, {}]},
]

UTC = datetime.timezone.utc
ORDERS = [
    {"id": 1, "name": "first", "qty": 2, "price": 1.5, "ratio": 0.25, "ok": True, "note": None, "kind": "NEW",
     "tags": ["x", "y"], "attrs": {"k": 1}, "raw": b"\x01\x02", "code": b"AB", "amount": decimal.Decimal("12.34"),
     "day": datetime.date(2024, 1, 2), "at": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "either": 5,
     "addr": {"city": "Oslo"}},
    {"id": -2, "name": "z\u00fcrich \u2713", "qty": -7, "price": -0.125, "ratio": 3.0, "ok": False, "note": "hi",
     "kind": "OLD", "tags": [], "attrs": {}, "raw": b"", "code": b"\x00\xff", "amount": decimal.Decimal("-0.05"),
     "day": datetime.date(1969, 12, 31), "at": datetime.datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC),
     "either": "s", "addr": {"city": ""}},
]


def plain(v):
    if isinstance(v, bytes):
        return "bytes:" + v.hex()
    if isinstance(v, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(v)
    raise TypeError(repr(v))


def main():
    cmd = sys.argv[1]
    if cmd == "consume":
        bootstrap, topic, n, url = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        deser = AvroDeserializer(SchemaRegistryClient({"url": url}))
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "avro-check-%s" % topic,
                      "auto.offset.reset": "earliest", "enable.auto.commit": False})
        c.subscribe([topic])
        got = 0
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=60)
        while got < n and datetime.datetime.now() < deadline:
            m = c.poll(1.0)
            if m is None or m.error():
                continue
            v = m.value()
            if v is not None:
                v = deser(v, SerializationContext(topic, MessageField.VALUE))
            print(json.dumps(v, default=plain, ensure_ascii=False), flush=True)
            got += 1
        c.close()
        sys.exit(0 if got >= n else 1)
    elif cmd == "produce":
        bootstrap, topic, url = sys.argv[2], sys.argv[3], sys.argv[4]
        ser = AvroSerializer(SchemaRegistryClient({"url": url}), ORDER_SCHEMA)
        p = Producer({"bootstrap.servers": bootstrap})
        for o in ORDERS:
            p.produce(topic, value=ser(o, SerializationContext(topic, MessageField.VALUE)))
        p.produce(topic, value=None)  # a tombstone
        if p.flush(30) != 0:
            sys.exit("not all records were delivered")
    elif cmd == "anything":
        bootstrap, topic, url = sys.argv[2], sys.argv[3], sys.argv[4]
        ser = AvroSerializer(SchemaRegistryClient({"url": url}), ANYTHING_SCHEMA)
        p = Producer({"bootstrap.servers": bootstrap})
        for v in ANYTHINGS:
            p.produce(topic, value=ser(v, SerializationContext(topic, MessageField.VALUE)))
        if p.flush(30) != 0:
            sys.exit("not all records were delivered")
    elif cmd == "latest":
        print(SchemaRegistryClient({"url": sys.argv[2]}).get_latest_version(sys.argv[3]).schema.schema_str)
    elif cmd in ("raw", "rawhex"):
        p = Producer({"bootstrap.servers": sys.argv[2]})
        p.produce(sys.argv[3], value=sys.argv[4].encode() if cmd == "raw" else bytes.fromhex(sys.argv[4]))
        if p.flush(30) != 0:
            sys.exit("not delivered")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
