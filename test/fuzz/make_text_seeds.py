#!/usr/bin/env python3
"""Writes the seed inputs of the text fuzz targets (run once; the corpora are committed):
fuzz_scram (valid SCRAM-SHA-256 / -512 exchanges for the harness's fixed nonce, user and
password, and broken variants) and fuzz_config (settings for every kind of key).
Usage: make_text_seeds.py OUT_DIR   (writes OUT_DIR/scram and OUT_DIR/config)"""
import base64
import hashlib
import hmac
import os
import sys

out = sys.argv[1]
NONCE = "fyko+d2lbbFgONRv9qkxdawL"  # test/fuzz/fuzz_scram.cc kNonce
USER, PASSWORD = "user", "pencil"


def write(sub, name, data):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
    with open(os.path.join(out, sub, name), "wb") as f:
        f.write(data)


def scram(hname, salt, iterations, server_nonce_tail):
    """(server-first, server-final) the client accepts."""
    nonce = NONCE + server_nonce_tail
    server_first = f"r={nonce},s={base64.b64encode(salt).decode()},i={iterations}"
    salted = hashlib.pbkdf2_hmac(hname, PASSWORD.encode(), salt, iterations)
    server_key = hmac.new(salted, b"Server Key", hname).digest()
    auth = f"n={USER},r={NONCE},{server_first},c=biws,r={nonce}"
    sig = hmac.new(server_key, auth.encode(), hname).digest()
    return server_first.encode(), b"v=" + base64.b64encode(sig)


for flag, hname in ((0, "sha256"), (1, "sha512")):
    for k, (salt, it, tail) in enumerate([(b"saltSALTsalt", 16, "3rfcNHYJY1ZVvWVs7j"),
                                          (b"\x00\x01\x02\xff", 1, "x"),
                                          (bytes(range(40)), 64, "%hvYDpWUa2RaTCAfuxFIlj)hNlF")]):
        first, final = scram(hname, salt, it, tail)
        m = bytes([flag])
        write("scram", f"{hname}-valid-{k}", m + first + b"\n" + final)
        write("scram", f"{hname}-first-only-{k}", m + first)
        write("scram", f"{hname}-error-{k}", m + first + b"\ne=invalid-proof")
        write("scram", f"{hname}-badsig-{k}", m + first + b"\nv=" + base64.b64encode(b"\0" * 32))
        write("scram", f"{hname}-extra-attr-{k}", m + b"m=ext," + first + b",x=1\n" + final + b",z=2")
    m = bytes([flag])
    write("scram", f"{hname}-foreign-nonce", m + b"r=abcdef,s=c2FsdA==,i=16\nv=AAAA")
    write("scram", f"{hname}-same-nonce", m + f"r={NONCE},s=c2FsdA==,i=16".encode())
    write("scram", f"{hname}-bad-base64", m + f"r={NONCE}x,s=!!!,i=16".encode())
    write("scram", f"{hname}-zero-iter", m + f"r={NONCE}x,s=c2FsdA==,i=0".encode())
    write("scram", f"{hname}-huge-iter", m + f"r={NONCE}x,s=c2FsdA==,i=99999999".encode())
    write("scram", f"{hname}-letters-iter", m + f"r={NONCE}x,s=c2FsdA==,i=1a".encode())
    write("scram", f"{hname}-no-salt", m + f"r={NONCE}x,i=16".encode())
    write("scram", f"{hname}-long-salt", m + f"r={NONCE}x,s={base64.b64encode(bytes(300)).decode()},i=2".encode())
    write("scram", f"{hname}-empty", m)
    write("scram", f"{hname}-commas", m + b",,,,r=,s=,i=")

CONFIG = [
    "brokers=localhost:9092",
    "brokers=a:1,b:2, c:3 ,[::1]:9093,[fe80::1%eth0]",
    "brokers=host",
    "brokers=",
    "brokers=a:65535,b:0",
    "brokers=[::1",
    "brokers=a:b:c",
    "brokers=a,",
    "clientId=my-app",
    "connectionTimeout=1000\nrequestTimeout=30000\nenforceRequestTimeout=false",
    "connectionsMaxIdle=540000\nauthenticationTimeout=10000\nreauthenticationThreshold=10000",
    "retry.maxRetryTime=30000\nretry.initialRetryTime=300\nretry.factor=0.2\nretry.multiplier=2\nretry.retries=5",
    "retry.factor=1e-3\nretry.multiplier=1.5",
    "retry.factor=nan",
    "retry.retries=-1",
    "logLevel=DEBUG",
    "logLevel=4\nlogLevel=nothing\nlogLevel=3",
    "metadataMaxAge=300000\nallowAutoTopicCreation=yes",
    "maxInFlightRequests=null\nmaxInFlightRequests=5\nmaxInFlightRequests=",
    "maxResponseSize=104857600",
    "protocolVersionCap=2.4",
    "protocolVersionCap=0.10.2",
    "protocolVersionCap=1.2.3.4",
    "protocolVersionCap=1000.1",
    "ssl=true\nssl.ca=/etc/ca.pem\nssl.cert=c.pem\nssl.key=k.pem\nssl.passphrase=pw",
    "ssl.rejectUnauthorized=off\nssl.servername=kafka.example",
    "sasl.mechanism=SCRAM-SHA-512\nsasl.username=alice\nsasl.password=secret",
    "sasl.mechanism=plain\nsasl.mechanism=oauthbearer\nsasl.mechanism=",
    "sasl.mechanism=gssapi",
    "linger=5\nbatchSize=16384\nbufferMemory=33554432\nidempotent=true",
    "transactionalId=tx-1\ntransactionTimeout=60000",
    "partitioner=sticky\npartitioner=default\npartitioner=murmur",
    "groupId=g1\npartitionAssigners=range, roundrobin,RoundRobinAssigner",
    "partitionAssigners=\npartitionAssigners=range,",
    "sessionTimeout=30000\nrebalanceTimeout=60000\nheartbeatInterval=3000",
    "maxBytesPerPartition=1048576\nminBytes=1\nmaxBytes=10485760\nmaxWaitTimeInMs=5000",
    "readUncommitted=1\nrackId=rack-a",
    "linger=9223372036854775808\nlinger= 5\nlinger=5x\nlinger=-0",
    "connectiontimeout=5\nnoSuchKey=1\n=x\nbrokers",
]
for i, text in enumerate(CONFIG):
    for mode in (0, 1, 6):
        write("config", f"config-{i:02d}-mode{mode}", bytes([mode]) + text.encode())
