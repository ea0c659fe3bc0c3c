"""A Rexsys server for tests, on the engine the real one runs (python-socketio + aiohttp).

Behaviour follows /work/shared/DESIGN.md section 1:
  POST /api/rexsys/cgi/certificate/productkey   productkey -> token (EncodeData body)
  POST /api/ide/io/send                          REST send -> `touid` to the receiver
  Socket.IO namespaces /io/{project}/client and /io/{project}/user:
    hello (an event literally named `connect` with {sid}), `login`, `request` -> `touid`.
Test hooks under /__test/ (JSON in and out); see the usage text below.

Run:  /usr/bin/python3 spec/support/rexsys_server.py --port 0
Prints exactly one line `READY <port>` on stdout when listening.
"""

import argparse
import asyncio
import base64
import binascii
import json
import secrets
import signal
import sys
import time
import urllib.parse

import socketio
from aiohttp import web

DEFAULT_PROJECTS = {"demo": {"KIOSK-KEY": "kiosk-01", "DISPLAY-KEY": "display-01"}}
CERTIFY_PATH = "/api/rexsys/cgi/certificate/productkey"
SEND_PATH = "/api/ide/io/send"
CHANNELS = ("client", "user")


class BadRequest(Exception):
    pass


def decode_encode_data(text):
    """base64(encodeURIComponent(JSON)) -> value. Raises BadRequest."""
    if not isinstance(text, str) or text == "":
        raise BadRequest("EncodeData is missing or not a string")
    try:
        raw = base64.b64decode(text, validate=True).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("EncodeData is not valid base64")
    try:
        uri = urllib.parse.unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("EncodeData holds a malformed %-escape")
    try:
        return json.loads(uri)
    except ValueError:
        raise BadRequest("EncodeData does not hold JSON")


class Rexsys:
    def __init__(self, projects, hello_order, token_ttl):
        self.projects = projects
        self.hello_order = hello_order
        self.token_ttl = token_ttl
        self.tokens = {}  # token -> {clientid, project, expires}
        self.sessions = {}  # sid -> {sid, project, channel, ns, uid, loggedIn}
        self.delivered = []
        self.dropped = []
        self.faults = {}  # path -> {status, hang, times}
        self.stopping = asyncio.Event()
        self.transports = set()  # open Socket.IO connections (closed at shutdown)
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            cors_allowed_origins="*",
            always_connect=(hello_order == "after"),
            logger=False,
            engineio_logger=False,
        )
        for project in projects:
            for channel in CHANNELS:
                self.register_namespace(project, channel)

    # ------------------------------------------------------------------ socket
    def register_namespace(self, project, channel):
        sio = self.sio
        ns = f"/io/{project}/{channel}"

        # Handlers are registered with sio.on(event, namespace=ns), not with a
        # class-based AsyncNamespace: python-socketio 5.7.2 acks *any* event sent to a
        # class-based namespace (trigger_event returns None for a missing on_* method),
        # whereas with sio.on an unknown event gets no ack, as DESIGN section 1.3 says.
        async def on_connect(sid, environ, auth=None):
            self.sessions[sid] = {
                "sid": sid,
                "project": project,
                "channel": channel,
                "ns": ns,
                "uid": None,
                "loggedIn": False,
            }
            # The hello of DESIGN 1.3: an event literally named `connect`.
            await sio.emit("connect", {"sid": sid}, to=sid, namespace=ns)

        async def on_disconnect(sid):
            self.sessions.pop(sid, None)

        async def on_login(sid, data=None):
            session = self.sessions.get(sid)
            if session is None:
                return None
            reason = self.check_login(session, data)
            if reason is None:
                session["uid"] = data["uid"]
                session["loggedIn"] = True
                await sio.emit("login", {"status": "success", "uid": data["uid"], "sid": sid}, to=sid, namespace=ns)
            else:
                session["uid"] = None
                session["loggedIn"] = False
                await sio.emit("login", {"status": "fail", "message": reason}, to=sid, namespace=ns)
            return None  # an empty ack when the client asked for one

        async def on_request(sid, data=None):
            session = self.sessions.get(sid)
            receiver = data.get("receiver") if isinstance(data, dict) else None
            command = data.get("command") if isinstance(data, dict) else None
            if session is None or not session["loggedIn"]:
                self.drop("sender not logged in", "socket", receiver, command)
                return None
            if not isinstance(data, dict) or not isinstance(receiver, str) or not isinstance(command, str):
                self.drop("bad request payload", "socket", receiver, command)
                return None
            target_channel = data.get("channel") if data.get("channel") in CHANNELS else session["channel"]
            message = {
                "command": command,
                "data": data.get("data"),
                "sender": session["uid"],
                "receiver": receiver,
                "channel": target_channel,
            }
            await self.forward("socket", project, target_channel, message)
            return None

        sio.on("connect", on_connect, namespace=ns)
        sio.on("disconnect", on_disconnect, namespace=ns)
        sio.on("login", on_login, namespace=ns)
        sio.on("request", on_request, namespace=ns)

    def check_login(self, session, data):
        if not isinstance(data, dict):
            return "login needs {uid, sid, token}"
        uid, sid, token = data.get("uid"), data.get("sid"), data.get("token")
        if not all(isinstance(v, str) for v in (uid, sid, token)):
            return "login needs {uid, sid, token} as strings"
        entry = self.tokens.get(token)
        if entry is None:
            return "unknown token"
        if entry["expires"] <= time.time():
            return "token expired"
        if entry["clientid"] != uid:
            return "token was issued to another client"
        if entry["project"] != session["project"]:
            return "token was issued for another project"
        if sid != session["sid"]:
            return "sid does not match this socket"
        return None

    def drop(self, reason, via, receiver, command):
        entry = {"reason": reason, "via": via}
        if isinstance(receiver, str):
            entry["receiver"] = receiver
        if isinstance(command, str):
            entry["command"] = command
        self.dropped.append(entry)

    def receiver_sids(self, project, channel, uid):
        return [
            s["sid"]
            for s in list(self.sessions.values())
            if s["loggedIn"] and s["uid"] == uid and s["project"] == project and s["channel"] == channel
        ]

    async def forward(self, via, project, channel, message):
        sids = self.receiver_sids(project, channel, message["receiver"])
        if not sids:
            self.drop("receiver offline", via, message["receiver"], message["command"])
            return 0
        ns = f"/io/{project}/{channel}"
        for sid in sids:
            await self.sio.emit("touid", message, to=sid, namespace=ns)
        self.delivered.append(
            {
                "via": via,
                "project": project,
                "sender": message["sender"],
                "receiver": message["receiver"],
                "command": message["command"],
                "data": message["data"],
            }
        )
        return len(sids)

    # ------------------------------------------------------------------ REST
    def envelope(self, request, status, result=None, message=None):
        server = {
            "namespace": "ide",
            "remote-addess": request.remote or "",
            "runtime": 0,
            "status": status,
            "timestamp": int(time.time()),
            "version": "2.0",
        }
        if message is not None:
            server["message"] = message
        body = {"server": server}
        if result is not None:
            body["result"] = result
        return {"rexsys": body}

    def answer(self, request, http_status, status, result=None, message=None):
        resp = web.json_response(self.envelope(request, status, result, message), status=http_status)
        resp.headers["Access-Control-Allow-Origin"] = "*"
        return resp

    async def read_payload(self, request):
        try:
            text = await request.text()
        except (UnicodeDecodeError, LookupError):
            raise BadRequest("the body is not text in a known charset")
        if request.content_type == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(text, keep_blank_values=True)
            if "EncodeData" not in fields:
                raise BadRequest("the form has no EncodeData field")
            encoded = fields["EncodeData"][0]
        else:  # application/json, text/plain or anything else holding {"EncodeData": ...}
            try:
                body = json.loads(text)
            except ValueError:
                raise BadRequest("the body is neither a form nor JSON")
            if not isinstance(body, dict) or "EncodeData" not in body:
                raise BadRequest("the body has no EncodeData field")
            encoded = body["EncodeData"]
        return decode_encode_data(encoded)

    async def certify(self, request):
        try:
            payload = await self.read_payload(request)
        except BadRequest as e:
            return self.answer(request, 400, "fail", message=str(e))
        if not isinstance(payload, dict):
            return self.answer(request, 400, "fail", message="EncodeData must hold an object")
        project, productkey = payload.get("project"), payload.get("productkey")
        keys = self.projects.get(project) if isinstance(project, str) else None
        if keys is None or not isinstance(productkey, str) or productkey not in keys:
            return self.answer(request, 200, "fail", message="unknown project or productkey")
        clientid = keys[productkey]
        token = secrets.token_hex(16)
        expires = int(time.time()) + self.token_ttl
        self.tokens[token] = {"clientid": clientid, "project": project, "expires": expires}
        result = {
            "clientid": clientid,
            "clients": str(len(keys)),
            "config": {"io": {"client": f"/io/{project}/client", "user": f"/io/{project}/user"}},
            "expire": {
                "datetime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires)),
                "timestamp": expires,
            },
            "namespace": "ide",
            "productkey": productkey,
            "project": project,
            "token": token,
        }
        return self.answer(request, 200, "success", result=result)

    async def send(self, request):
        try:
            payload = await self.read_payload(request)
        except BadRequest as e:
            return self.answer(request, 400, "fail", message=str(e))
        if not isinstance(payload, dict):
            return self.answer(request, 400, "fail", message="EncodeData must hold an object")
        entry = self.tokens.get(payload.get("token")) if isinstance(payload.get("token"), str) else None
        if entry is None or entry["expires"] <= time.time():
            return self.answer(request, 401, "fail", message="invalid or expired token")
        project = payload.get("project")
        if project != entry["project"]:
            return self.answer(request, 401, "fail", message="token was issued for another project")
        receiver, command = payload.get("receiver"), payload.get("command")
        if not isinstance(receiver, str) or not isinstance(command, str):
            self.drop("bad request payload", "rest", receiver, command)
            return self.answer(request, 400, "fail", message="receiver and command must be strings")
        channel = payload.get("channel") if payload.get("channel") in CHANNELS else "client"
        message = {
            "command": command,
            "data": payload.get("data"),
            "sender": entry["clientid"],
            "receiver": receiver,
            "channel": channel,
        }
        count = await self.forward("rest", project, channel, message)
        return self.answer(request, 200, "success", result={"delivered": count, "receiver": receiver, "command": command})

    async def preflight(self, request):
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": request.headers.get("Access-Control-Request-Headers", "Content-Type"),
            },
        )

    @web.middleware
    async def track_middleware(self, request, handler):
        """Remembers the connections of Socket.IO requests, to close them at shutdown."""
        if not request.path.startswith("/socket.io/") or request.transport is None:
            return await handler(request)
        transport = request.transport
        self.transports.add(transport)
        try:
            return await handler(request)
        finally:
            self.transports.discard(transport)

    @web.middleware
    async def fault_middleware(self, request, handler):
        fault = self.faults.get(request.path) if request.method == "POST" else None
        if fault is not None and not request.path.startswith("/__test/"):
            fault["times"] -= 1
            if fault["times"] <= 0:
                self.faults.pop(request.path, None)
            if fault["hang"]:
                await self.stopping.wait()
                return web.Response(status=503)
            status = fault["status"]
            return self.answer(request, status, "fail", message=f"injected failure (HTTP {status})")
        return await handler(request)

    # ------------------------------------------------------------------ test hooks
    async def json_body(self, request):
        text = await request.text()
        if text.strip() == "":
            return {}
        try:
            body = json.loads(text)
        except ValueError:
            raise web.HTTPBadRequest(text="body must be JSON")
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="body must be a JSON object")
        return body

    async def t_sessions(self, request):
        return web.json_response(
            [
                {"sid": s["sid"], "project": s["project"], "channel": s["channel"], "uid": s["uid"], "loggedIn": s["loggedIn"]}
                for s in self.sessions.values()
            ]
        )

    async def t_disconnect(self, request):
        body = await self.json_body(request)
        uid = body.get("uid")
        targets = [(s["sid"], s["ns"]) for s in list(self.sessions.values()) if s["uid"] == uid and s["loggedIn"]]
        for sid, ns in targets:
            await self.sio.disconnect(sid, namespace=ns)
        return web.json_response({"count": len(targets)})

    async def t_inject(self, request):
        body = await self.json_body(request)
        uid, event = body.get("uid"), body.get("event") or "touid"
        targets = [(s["sid"], s["ns"]) for s in list(self.sessions.values()) if s["uid"] == uid and s["loggedIn"]]
        for sid, ns in targets:
            await self.sio.emit(event, body.get("payload"), to=sid, namespace=ns)
        return web.json_response({"count": len(targets)})

    async def t_delivered(self, request):
        return web.json_response(self.delivered)

    async def t_dropped(self, request):
        return web.json_response(self.dropped)

    async def t_revoke(self, request):
        count = len(self.tokens)
        self.tokens.clear()
        return web.json_response({"count": count})

    async def t_fail_next(self, request):
        body = await self.json_body(request)
        path = body.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise web.HTTPBadRequest(text="path must be an absolute path")
        times = body.get("times", 1)
        self.faults[path] = {
            "status": int(body.get("status") or 500),
            "hang": bool(body.get("hang")),
            "times": int(times) if isinstance(times, (int, float)) and times >= 1 else 1,
        }
        return web.json_response({"ok": True})

    def app(self):
        app = web.Application(middlewares=[self.track_middleware, self.fault_middleware])
        self.sio.attach(app)
        app.router.add_post(CERTIFY_PATH, self.certify)
        app.router.add_post(SEND_PATH, self.send)
        app.router.add_route("OPTIONS", CERTIFY_PATH, self.preflight)
        app.router.add_route("OPTIONS", SEND_PATH, self.preflight)
        app.router.add_get("/__test/sessions", self.t_sessions)
        app.router.add_post("/__test/disconnect", self.t_disconnect)
        app.router.add_post("/__test/inject", self.t_inject)
        app.router.add_get("/__test/delivered", self.t_delivered)
        app.router.add_get("/__test/dropped", self.t_dropped)
        app.router.add_post("/__test/revoke-tokens", self.t_revoke)
        app.router.add_post("/__test/fail-next", self.t_fail_next)
        return app


async def main(args):
    projects = json.loads(args.projects) if args.projects else DEFAULT_PROJECTS
    if not isinstance(projects, dict) or not all(isinstance(v, dict) for v in projects.values()):
        raise SystemExit("--projects must be a JSON object: project -> productkey -> client id")
    rexsys = Rexsys(projects, args.hello_order, args.token_ttl)
    runner = web.AppRunner(rexsys.app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, shutdown_timeout=1)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, rexsys.stopping.set)

    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()

    await rexsys.stopping.wait()
    # Drop every Socket.IO connection first, as when a real server goes away: clients see
    # `transport close` (and retry), and the shutdown does not wait for open websockets.
    for transport in list(rexsys.transports):
        transport.close()
    try:
        await asyncio.wait_for(runner.cleanup(), 3)
    except Exception:
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A python-socketio Rexsys server for tests.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--projects", default=None, help="JSON: project -> productkey -> client id")
    parser.add_argument("--hello-order", choices=("before", "after"), default="before")
    parser.add_argument("--token-ttl", type=int, default=3600, help="token lifetime in seconds")
    asyncio.run(main(parser.parse_args()))
