"""A bot that answers "/roll": BOT_TOKEN=... CHAT_URL=http://127.0.0.1:8000 python bot.py"""
# ruff: noqa: E401, E501, I001, S310 - a whole bot at a glance, for people to copy
import json, os, random, time, urllib.request

CHAT, TOKEN = os.environ.get("CHAT_URL", "http://127.0.0.1:8000"), os.environ["BOT_TOKEN"]

def call(path, data=None):
    body = json.dumps(data).encode() if data is not None else None
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(CHAT + path, body, headers)) as answer:
        return json.load(answer)

answered = set()
while True:
    page = call("/bots/messages")  # what changed since the last read: each change once
    for message in page["messages"]:
        if message["body"].startswith("/roll") and message["id"] not in answered:
            answered.add(message["id"])
            call(f"/bots/messages/{message['id']}/react", {"emoji": "🎲"})
            call("/bots/messages", {"body": f"🎲 {random.randint(1, 6)}", "reply_to": message["id"]})
    time.sleep(0 if page["more"] else 1)
