// moe-explorer's command line where no window is needed: --help and --version must answer
// on a terminal without a display (over ssh, in CI) instead of aborting in the platform plugin.
#include <QProcess>
#include <QProcessEnvironment>
#include <QtTest>

#ifndef MOE_EXPLORER_BIN
#define MOE_EXPLORER_BIN ""  // built without the window
#endif

class TestExplorerCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void answersWithoutADisplay_data() {
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("--help") << "--help" << "--dataset";
    QTest::newRow("-h") << "-h" << "--screenshot";
    QTest::newRow("--version") << "--version" << "moe-explorer";
  }

  void answersWithoutADisplay() {
    if (QByteArray(MOE_EXPLORER_BIN).isEmpty()) QSKIP("moe-explorer is not built");
    QFETCH(QString, flag);
    QFETCH(QString, mentions);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* var : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(QString::fromLatin1(var));
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MOE_EXPLORER_BIN), {flag});
    QVERIFY(p.waitForFinished(60000));
    const QByteArray out = p.readAllStandardOutput();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(out.contains(mentions.toUtf8()), out.constData());
  }
};

QTEST_GUILESS_MAIN(TestExplorerCli)
#include "test_explorer_cli.moc"
