#!/usr/bin/perl
# sisimai-tsv.pl DIR: writes DIR/SISIMAI.tsv, what sisimai (Debian
# libsisimai-perl) concludes about every file of DIR (and DIR/not-bounces),
# in the columns of /work/shared/corpus/bounces/SISIMAI.tsv:
# file recipient reason deliverystatus replycode agent diagnostic.
# A file sisimai finds nothing in gets one row with reason "none".
use strict; use warnings;
use Sisimai;
my $dir = shift or die "usage: $0 DIR\n";
my @files;
for my $sub ('', 'not-bounces/') {
    opendir(my $dh, "$dir/$sub") or next;
    push @files, map { "$sub$_" } sort grep { -f "$dir/$sub$_" && !/^(SISIMAI|MANIFEST)\.tsv$/ && !/^\./ } readdir $dh;
}
open(my $out, '>', "$dir/SISIMAI.tsv") or die;
print $out join("\t", qw(file recipient reason deliverystatus replycode agent diagnostic)), "\n";
for my $f (@files) {
    my $v = eval { local $SIG{ALRM} = sub { die "timeout\n" }; alarm 30; my $r = Sisimai->make("$dir/$f", 'delivered' => 1, 'vacation' => 1); alarm 0; $r };
    if (!$v || !@$v) { print $out join("\t", $f, '', 'none', '', '', '', ''), "\n"; next }
    for my $e (@$v) {
        my $d = $e->diagnosticcode // '';
        $d =~ s/\s+/ /g; $d =~ s/^ | $//g;
        my $rcpt = $e->recipient ? $e->recipient->address : '';
        print $out join("\t", $f, $rcpt, $e->reason // '', $e->deliverystatus // '', $e->replycode // '', $e->smtpagent // '', $d), "\n";
    }
}
close $out;
