curl 'https://api.notion.com/v1/blocks/93195eab21f74419bf440e4c07092573' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
