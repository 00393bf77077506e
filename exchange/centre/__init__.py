"""Employment-centre cabinet: matching registered seekers to vacancies, referrals and their deadlines."""
