"""Console entry point: runs the ptx-emulator binary shipped inside the package."""
import os
import sys


def binary_path() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "bin", "ptx-emulator")


def main() -> None:
    path = binary_path()
    if not os.path.exists(path):
        sys.stderr.write(f"ptx-emulator: binary not found at {path}\n")
        sys.exit(127)
    os.execv(path, [path] + sys.argv[1:])


if __name__ == "__main__":
    main()
