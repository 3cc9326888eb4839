#include "ui/curvethinning.h"

namespace moe::ui {

void CurveThinning::append(QCPGraph* graph, double x, double y) {
  QSharedPointer<QCPGraphDataContainer> data = graph->data();
  const int n = data->size();
  if (n >= 2 && mCount > 0 && x - (data->constEnd() - 2)->key < mStride) {
    auto last = data->end() - 1;  // keys stay sorted: x is the newest step
    mSum += y;
    ++mCount;
    last->key = x;
    last->value = mSum / mCount;
    return;
  }
  data->add(QCPGraphData(x, y));
  mSum = y;
  mCount = 1;
  if (n + 1 <= mBudget) return;
  // Merge closed windows in pairs (mean value, later step); the open one stays as it is.
  QVector<QCPGraphData> kept;
  kept.reserve(n / 2 + 2);
  const auto at = [&](int i) { return *(data->constBegin() + i); };
  int i = 0;
  for (; i + 1 < n; i += 2) kept.append(QCPGraphData(at(i + 1).key, 0.5 * (at(i).value + at(i + 1).value)));
  if (i < n) kept.append(at(i));
  kept.append(at(n));
  data->set(kept, true);
  mStride *= 2.0;
}

}  // namespace moe::ui
