"""Carry static/, service_worker/ and content/ inside the wheel as pwa/_data/."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
SHIPPED = ("static", "service_worker", "content")


class BuildWithData(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "pwa" / "_data"
        for name in SHIPPED:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(HERE / name, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store"))


setup(cmdclass={"build_py": BuildWithData})
