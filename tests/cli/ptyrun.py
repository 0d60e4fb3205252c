#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal and answer its prompts.

usage: ptyrun.py [-t SECONDS] [PROMPT ANSWER]... -- COMMAND [ARG]...

Each PROMPT is a regular expression waited for in what the command writes
to the terminal; then ANSWER and a line break are typed. Waiting for the
prompt matters: prompts that turn echo off flush what was typed before
(TCSAFLUSH), as getpass does. Exits with the command's status; the terminal
output goes to stderr. The command's stdin/stdout are the terminal, so
redirect inside the command (sh -c '... > file') to keep data apart.
"""
import os, pty, re, select, sys, time

def main():
    args = sys.argv[1:]
    timeout = 10.0
    if args[:1] == ['-t']:
        timeout = float(args[1]); args = args[2:]
    sep = args.index('--')
    pairs, cmd = args[:sep], args[sep + 1:]
    script = [(re.compile(pairs[i].encode()), pairs[i + 1].encode() + b'\n')
              for i in range(0, len(pairs), 2)]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b''
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            os.kill(pid, 9)
            sys.stderr.write('ptyrun: timed out\n')
            os.waitpid(pid, 0)
            return 124
        r, _, _ = select.select([fd], [], [], min(left, 0.1))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b''
            if not data:
                break
            sys.stderr.buffer.write(data)
            seen += data
        while script and script[0][0].search(seen):
            os.write(fd, script[0][1])
            seen = b''
            script.pop(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)

if __name__ == '__main__':
    sys.exit(main())
