// compute/huge_pages: the advice never changes what a buffer holds, and resizeHuge behaves as
// std::vector::resize (contents kept, new room zero).
#include <QtTest>

#include <cstdint>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "compute/huge_pages.h"

using namespace moe::compute;

namespace {

// AnonHugePages of this process, in kB (0 where /proc is missing).
long anonHugeKb() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "AnonHugePages:") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

class TestHugePages : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void adviceToleratesAnyRange() {
    adviseHugePages(nullptr, 1 << 30);
    char small[64] = {};
    adviseHugePages(small, sizeof small);
    std::vector<char> odd((8u << 20) + 3, 'x');
    adviseHugePages(odd.data() + 1, odd.size() - 1);  // unaligned start and end
    QCOMPARE(odd.front(), 'x');
    QCOMPARE(odd.back(), 'x');
  }

  void resizeHugeKeepsContentsAndZeroFills() {
    std::vector<float> v(1000);
    std::iota(v.begin(), v.end(), 1.0f);
    const std::size_t big = std::size_t(6) << 20;  // 24 MB of floats
    resizeHuge(v, big);
    QCOMPARE(v.size(), big);
    for (int i = 0; i < 1000; ++i) QCOMPARE(v[std::size_t(i)], float(i + 1));
    QCOMPARE(v[1000], 0.0f);
    QCOMPARE(v.back(), 0.0f);
    resizeHuge(v, 10);  // shrinking keeps the prefix
    QCOMPARE(v.size(), std::size_t(10));
    QCOMPARE(v[9], 10.0f);
    std::vector<std::int32_t> empty;
    resizeHuge(empty, 0);
    QVERIFY(empty.empty());
  }

  // Where the kernel offers transparent huge pages on request ("[madvise]" or "[always]"), a
  // large advised buffer gets some. Informational elsewhere: the kernel may lack free 2 MB
  // blocks, and the advice is only a request.
  void largeBuffersGetHugePagesWhereOffered() {
    std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(mode, line);
    if (line.find("[never]") != std::string::npos || line.empty())
      QSKIP("transparent huge pages are off here");
    const long before = anonHugeKb();
    std::vector<float> v;
    resizeHuge(v, std::size_t(32) << 20);  // 128 MB
    const long after = anonHugeKb();
    qInfo("AnonHugePages: %ld kB before, %ld kB after a 128 MB buffer (%s)", before, after,
          line.c_str());
    QCOMPARE(v[v.size() / 2], 0.0f);
  }
};

QTEST_GUILESS_MAIN(TestHugePages)
#include "test_huge_pages.moc"
