#pragma once
#include <deque>

#include <QApplication>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * Replots the plots that are due one at a time, each from its own timer event, so the event
 * loop handles input and other timers between two replots: six plots due at once cost six
 * short pauses instead of one long one.
 */
class ReplotQueue : public QObject {
 public:
  static ReplotQueue& instance() {
    static ReplotQueue* queue = new ReplotQueue(qApp);
    return *queue;
  }

  void enqueue(PlotView* plot, void (PlotView::*replot)()) {
    for (const Entry& e : mQueue)
      if (e.plot == plot) return;
    mQueue.push_back({plot, replot});
    if (!mTimer.isActive()) mTimer.start();
  }

  bool contains(const PlotView* plot) const {
    for (const Entry& e : mQueue)
      if (e.plot == plot) return true;
    return false;
  }

 private:
  struct Entry {
    QPointer<PlotView> plot;
    void (PlotView::*replot)();
  };

  explicit ReplotQueue(QObject* parent) : QObject(parent) {
    mTimer.setSingleShot(true);
    mTimer.setInterval(0);
    connect(&mTimer, &QTimer::timeout, this, [this] {
      while (!mQueue.empty()) {
        Entry e = mQueue.front();
        mQueue.pop_front();
        if (e.plot) {
          (e.plot->*e.replot)();
          break;
        }
      }
      if (!mQueue.empty()) mTimer.start();
    });
  }

  std::deque<Entry> mQueue;
  QTimer mTimer;
};

}  // namespace moe::ui
