"""Analysis of the baricitinib 2 mg pilot in primary Sjögren's syndrome (NCT04916756).

Data flow: ``io`` → ``validation``/``cleaning`` → ``scoring`` → ``endpoints``/``safety``/``planning``
→ ``ard`` → ``tables``/``plotting`` → ``report``. Only ``io`` and ``report`` touch the disk.
"""

__version__ = "0.1.0"
