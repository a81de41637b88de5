# The Python twin of the README's quick start (TestFileGrepOnPTY): print
# the lines of standard input that contain the pattern in argv[1].
import sys

pattern = sys.argv[1]
for line in sys.stdin:
    if pattern in line:
        print(line, end="")
