"""What reaches people by themselves: each department's monthly digest and the alerts when a
goal's status worsens, by e-mail (and a webhook for alerts), every send on the outbox."""
